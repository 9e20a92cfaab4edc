# Installers for every platform; included from the root Makefile (include packaging/package.mk),
# which provides VERSION, BIN and the `build` target. See packaging/README.md.
#
#   make package        dist/: .deb, .rpm, Windows exe, NSIS installer, .msi; prints sizes
#   make package-check  installs/inspects/verifies them (CI, as root); cleans up after itself
#
# Knobs: DIST (output dir), PACKAGE_BUILD (prerequisite that produces $(BIN); set it empty to
# package a prebuilt BIN), WIN_PKGDIR (main package of the Windows exe), SIGN_* (see
# packaging/windows/sign.sh; without them the Windows files are left unsigned).

DIST ?= dist
PACKAGE_BUILD ?= build
WIN_PKGDIR ?= $(CURDIR)
PKG_VERSION := $(shell packaging/version.sh pkg '$(VERSION)')

PKG_DEB := $(DIST)/embeddable-tray_$(PKG_VERSION)_amd64.deb
PKG_RPM := $(DIST)/embeddable-tray-$(PKG_VERSION)-1.x86_64.rpm
PKG_EXE := $(DIST)/embeddable-tray-$(PKG_VERSION)-windows-amd64.exe
PKG_NSIS := $(DIST)/embeddable-tray-$(PKG_VERSION)-setup.exe
PKG_MSI := $(DIST)/embeddable-tray-$(PKG_VERSION).msi
PKG_ALL := $(PKG_DEB) $(PKG_RPM) $(PKG_EXE) $(PKG_NSIS) $(PKG_MSI)

.PHONY: package package-linux package-windows package-check package-sizes

## package: the .deb, .rpm, Windows exe, NSIS installer and .msi in $(DIST)/, with a size table.
package: package-linux package-windows
	@packaging/sizes.sh $(PKG_ALL)

package-linux: $(PACKAGE_BUILD)
	packaging/linux/build-packages.sh '$(BIN)' '$(VERSION)' '$(DIST)'

# The exe is signed before it goes into the installers, then each installer is signed.
package-windows:
	packaging/windows/build-exe.sh '$(VERSION)' '$(PKG_EXE)' '$(WIN_PKGDIR)'
	packaging/windows/sign.sh '$(PKG_EXE)'
	cd packaging/windows && makensis -V2 -WX -DVERSION='$(PKG_VERSION)' \
		-DWINVERSION="$$(../version.sh win '$(VERSION)')" \
		-DEXE='$(abspath $(PKG_EXE))' -DOUTFILE='$(abspath $(PKG_NSIS))' installer.nsi
	packaging/windows/build-msi.sh '$(VERSION)' '$(PKG_EXE)' '$(PKG_MSI)'
	packaging/windows/sign.sh '$(PKG_NSIS)' '$(PKG_MSI)'

package-sizes:
	@packaging/sizes.sh $(PKG_ALL)

## package-check: install/remove the .deb, inspect the .rpm, sign+verify the Windows files
## with a throwaway certificate, list the .msi tables, check the macOS Info.plist and bundle.
package-check:
	packaging/check.sh '$(VERSION)' $(PKG_ALL)
