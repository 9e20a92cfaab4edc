; Per-user NSIS installer for Embeddable Tray (no admin rights, no UAC prompt).
; Built by packaging/package.mk:
;   makensis -DVERSION=1.2.3 -DWINVERSION=1.2.3.0 -DEXE=path\embeddable-tray.exe \
;            -DOUTFILE=dist/embeddable-tray-1.2.3-setup.exe packaging/windows/installer.nsi
; Installs to %LOCALAPPDATA%\Programs\Embeddable Tray, adds a Start-menu shortcut,
; optionally starts at login (HKCU Run), registers the tel:/callto: handler and checks
; for the WebView2 runtime the app needs. The uninstaller removes all of it.
Unicode true
ManifestDPIAware true
RequestExecutionLevel user
SetCompressor /SOLID lzma

!ifndef VERSION
  !error "pass -DVERSION=..."
!endif
!ifndef WINVERSION
  !error "pass -DWINVERSION=a.b.c.d"
!endif
!ifndef EXE
  !error "pass -DEXE=path to embeddable-tray.exe"
!endif
!ifndef OUTFILE
  !define OUTFILE "embeddable-tray-${VERSION}-setup.exe"
!endif

!define APPNAME "Embeddable Tray"
!define APPKEY "EmbeddableTray" ; registry names: Run value, uninstall key, capabilities
!define EXENAME "embeddable-tray.exe"
!define PROGID "EmbeddableTray.URL"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APPKEY}"
!define CAPKEY "Software\${APPKEY}\Capabilities"
!define RUNKEY "Software\Microsoft\Windows\CurrentVersion\Run"
; Evergreen WebView2 runtime client GUID (same for per-machine and per-user installs).
!define WV2GUID "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!define WV2URL "https://developer.microsoft.com/microsoft-edge/webview2/#download"

Name "${APPNAME}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APPNAME}"
InstallDirRegKey HKCU "${UNINSTKEY}" "InstallLocation"
BrandingText "${APPNAME} ${VERSION}"

VIProductVersion "${WINVERSION}"
VIFileVersion "${WINVERSION}"
VIAddVersionKey "ProductName" "${APPNAME}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${APPNAME} installer"
VIAddVersionKey "CompanyName" "${APPNAME}"
VIAddVersionKey "LegalCopyright" "${APPNAME} developers"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "x64.nsh"

!define MUI_ICON "..\..\assets\icons\app.ico"
!define MUI_UNICON "..\..\assets\icons\app.ico"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_NODESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXENAME}"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APPNAME} now"

!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

; StopApp: a running copy holds the exe open; end it so files can be replaced/removed.
!macro StopApp
  nsExec::Exec 'taskkill /F /T /IM ${EXENAME}'
  Pop $0
!macroend

; RegisterScheme SCHEME: our ProgID answers SCHEME via Capabilities (the Windows 10+
; "Default apps" way), and SCHEME's own class under HKCU\Software\Classes points at the
; app only if no one else owns it; the Owner value records that we created it, so the
; uninstaller removes only what it made.
!macro RegisterScheme SCHEME
  WriteRegStr HKCU "${CAPKEY}\URLAssociations" "${SCHEME}" "${PROGID}"
  ClearErrors
  ReadRegStr $0 HKCU "Software\Classes\${SCHEME}\shell\open\command" ""
  ReadRegStr $1 HKCU "Software\Classes\${SCHEME}" "Owner"
  ${If} $0 == ""
  ${OrIf} $1 == "${APPKEY}"
    WriteRegStr HKCU "Software\Classes\${SCHEME}" "" "URL:${SCHEME}"
    WriteRegStr HKCU "Software\Classes\${SCHEME}" "URL Protocol" ""
    WriteRegStr HKCU "Software\Classes\${SCHEME}" "Owner" "${APPKEY}"
    WriteRegStr HKCU "Software\Classes\${SCHEME}\DefaultIcon" "" '"$INSTDIR\${EXENAME}",0'
    WriteRegStr HKCU "Software\Classes\${SCHEME}\shell\open\command" "" '"$INSTDIR\${EXENAME}" "%1"'
  ${EndIf}
!macroend

!macro UnregisterScheme SCHEME
  ReadRegStr $1 HKCU "Software\Classes\${SCHEME}" "Owner"
  ${If} $1 == "${APPKEY}"
    DeleteRegKey HKCU "Software\Classes\${SCHEME}"
  ${EndIf}
!macroend

Function .onInit
  SetShellVarContext current
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP|MB_OK "${APPNAME} needs 64-bit Windows." /SD IDOK
    Abort
  ${EndIf}
  Call CheckWebView2
FunctionEnd

; CheckWebView2: the app renders the widget with Microsoft Edge WebView2. Windows 11 and
; updated Windows 10 have it; if not, say so and offer the download page. The install goes
; on either way (the runtime can be added later), unless the user cancels.
Function CheckWebView2
  SetRegView 64
  ReadRegStr $0 HKLM "SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\${WV2GUID}" "pv"
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKLM "SOFTWARE\Microsoft\EdgeUpdate\Clients\${WV2GUID}" "pv"
  ${EndIf}
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKCU "Software\Microsoft\EdgeUpdate\Clients\${WV2GUID}" "pv"
  ${EndIf}
  SetRegView lastused
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    MessageBox MB_ICONEXCLAMATION|MB_YESNOCANCEL \
      "${APPNAME} needs the Microsoft Edge WebView2 Runtime, which is not installed.$\r$\n$\r$\n\
Yes: open the download page (install the Evergreen runtime, then start ${APPNAME}).$\r$\n\
No: install ${APPNAME} anyway and add the runtime later.$\r$\n\
Cancel: stop here.$\r$\n$\r$\n${WV2URL}" /SD IDNO IDYES open IDNO done
    Abort
    open:
      ExecShell "open" "${WV2URL}"
    done:
  ${EndIf}
FunctionEnd

Section "${APPNAME} (required)" SecApp
  SectionIn RO
  !insertmacro StopApp
  SetOutPath "$INSTDIR"
  File "/oname=${EXENAME}" "${EXE}"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortCut "$SMPROGRAMS\${APPNAME}.lnk" "$INSTDIR\${EXENAME}" "" "$INSTDIR\${EXENAME}" 0

  ; tel: / callto: handler
  WriteRegStr HKCU "Software\Classes\${PROGID}" "" "${APPNAME} call link"
  WriteRegStr HKCU "Software\Classes\${PROGID}" "URL Protocol" ""
  WriteRegStr HKCU "Software\Classes\${PROGID}\DefaultIcon" "" '"$INSTDIR\${EXENAME}",0'
  WriteRegStr HKCU "Software\Classes\${PROGID}\shell\open\command" "" '"$INSTDIR\${EXENAME}" "%1"'
  WriteRegStr HKCU "${CAPKEY}" "ApplicationName" "${APPNAME}"
  WriteRegStr HKCU "${CAPKEY}" "ApplicationDescription" "RingCentral Embeddable softphone in the tray"
  !insertmacro RegisterScheme "tel"
  !insertmacro RegisterScheme "callto"
  WriteRegStr HKCU "Software\RegisteredApplications" "${APPKEY}" "${CAPKEY}"

  ; Apps & features entry
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayName" "${APPNAME}"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTKEY}" "Publisher" "${APPNAME}"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayIcon" '"$INSTDIR\${EXENAME}",0'
  WriteRegStr HKCU "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoRepair" 1
SectionEnd

; Unticked by default: starting at login is the user's choice (also in the tray menu).
Section /o "Start ${APPNAME} when I sign in to Windows" SecAutostart
  WriteRegStr HKCU "${RUNKEY}" "${APPKEY}" '"$INSTDIR\${EXENAME}"'
SectionEnd

Function un.onInit
  SetShellVarContext current
FunctionEnd

Section "Uninstall"
  !insertmacro StopApp
  Delete "$INSTDIR\${EXENAME}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${APPNAME}.lnk"

  DeleteRegValue HKCU "${RUNKEY}" "${APPKEY}"
  !insertmacro UnregisterScheme "tel"
  !insertmacro UnregisterScheme "callto"
  DeleteRegKey HKCU "Software\Classes\${PROGID}"
  DeleteRegValue HKCU "Software\RegisteredApplications" "${APPKEY}"
  DeleteRegKey HKCU "Software\${APPKEY}"
  DeleteRegKey HKCU "${UNINSTKEY}"
  ; Settings and sign-in tokens (Credential Manager) belong to the user and stay;
  ; signing out in the app removes the tokens.
SectionEnd
