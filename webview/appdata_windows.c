//go:build windows

// webview_go chooses WebView2's user data folder itself, in the window's constructor (webview.h,
// embed): SHGetFolderPathW(CSIDL_APPDATA) joined with the exe's name, handed to its built-in
// WebView2 loader, which applies no override (Microsoft's WebView2Loader.dll would read
// WEBVIEW2_USER_DATA_FOLDER; the built-in one calls the runtime directly). webview_go's code is
// compiled into this program and calls SHGetFolderPathW through the program's import address
// table, like every caller here. So while the package makes a window, and on its thread only,
// that one import answers CSIDL_APPDATA with the app's data directory instead; every other
// folder, every other thread and every other time get the real answer.

#include <windows.h>
#include <shlobj.h>
#include <string.h>
#include <wchar.h>

#include "appdata_windows.h"

typedef HRESULT(WINAPI *et_shgfp_fn)(HWND, int, HANDLE, DWORD, LPWSTR);

static et_shgfp_fn et_real_shgfp;        // shell32's, once the import is ours
static WCHAR et_appdata_dir[MAX_PATH];   // the answer, written before et_appdata_thread is set
static volatile LONG et_appdata_thread;  // the thread asking gets it; 0: nobody

static HRESULT WINAPI et_shgfp(HWND hwnd, int csidl, HANDLE token, DWORD flags, LPWSTR path) {
  if (path && (DWORD)et_appdata_thread == GetCurrentThreadId() && (csidl & ~CSIDL_FLAG_MASK) == CSIDL_APPDATA) {
    wcscpy(path, et_appdata_dir);
    return S_OK;
  }
  return et_real_shgfp(hwnd, csidl, token, flags, path);
}

// et_import_slot finds this program's import address table entry for fn of dll.
static void **et_import_slot(const char *dll, const char *fn) {
  BYTE *base = (BYTE *)GetModuleHandleW(NULL);
  IMAGE_NT_HEADERS *nt = (IMAGE_NT_HEADERS *)(base + ((IMAGE_DOS_HEADER *)base)->e_lfanew);
  IMAGE_DATA_DIRECTORY dir = nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_IMPORT];
  if (dir.VirtualAddress == 0) {
    return NULL;
  }
  for (IMAGE_IMPORT_DESCRIPTOR *d = (IMAGE_IMPORT_DESCRIPTOR *)(base + dir.VirtualAddress); d->Name; d++) {
    // The names are in the lookup table; the address table holds addresses once loaded.
    if (_stricmp((const char *)(base + d->Name), dll) != 0 || d->OriginalFirstThunk == 0) {
      continue;
    }
    IMAGE_THUNK_DATA *names = (IMAGE_THUNK_DATA *)(base + d->OriginalFirstThunk);
    IMAGE_THUNK_DATA *slots = (IMAGE_THUNK_DATA *)(base + d->FirstThunk);
    for (; names->u1.AddressOfData; names++, slots++) {
      if (IMAGE_SNAP_BY_ORDINAL(names->u1.Ordinal)) {
        continue;
      }
      IMAGE_IMPORT_BY_NAME *n = (IMAGE_IMPORT_BY_NAME *)(base + names->u1.AddressOfData);
      if (strcmp((const char *)n->Name, fn) == 0) {
        return (void **)&slots->u1.Function;
      }
    }
  }
  return NULL;
}

// et_patch puts et_shgfp in the import once; UI thread (the first window is made there).
static int et_patch(void) {
  if (et_real_shgfp) {
    return 1;
  }
  void **slot = et_import_slot("shell32.dll", "SHGetFolderPathW");
  DWORD old;
  if (!slot || !VirtualProtect(slot, sizeof *slot, PAGE_READWRITE, &old)) {
    return 0;
  }
  et_real_shgfp = (et_shgfp_fn)*slot;
  *slot = (void *)et_shgfp;
  VirtualProtect(slot, sizeof *slot, old, &old);
  return 1;
}

int et_appdata_begin(const uint16_t *dir) {
  size_t n = wcslen((const wchar_t *)dir);
  if (n == 0 || n >= MAX_PATH || !et_patch()) {
    return 0;
  }
  memcpy(et_appdata_dir, dir, (n + 1) * sizeof(WCHAR));
  InterlockedExchange(&et_appdata_thread, (LONG)GetCurrentThreadId());
  return 1;
}

void et_appdata_end(void) { InterlockedExchange(&et_appdata_thread, 0); }

long et_appdata_ask(uint16_t *buf) { return SHGetFolderPathW(NULL, CSIDL_APPDATA, NULL, 0, (LPWSTR)buf); }
