// Where webview_go's windows keep WebView2's user data (appdata_windows.c).
#ifndef ET_APPDATA_WINDOWS_H
#define ET_APPDATA_WINDOWS_H

#include <stdint.h>

// et_appdata_begin makes SHGetFolderPathW(CSIDL_APPDATA), asked through this program's import
// of it on the calling thread, answer dir (NUL-terminated UTF-16, shorter than MAX_PATH) until
// et_appdata_end. It returns 0 when it cannot (the import was not found or not patched).
int et_appdata_begin(const uint16_t *dir);
void et_appdata_end(void);
// et_appdata_ask asks SHGetFolderPathW(CSIDL_APPDATA) exactly as webview_go does, into buf
// (MAX_PATH UTF-16 units); it returns the HRESULT. For the tests.
long et_appdata_ask(uint16_t *buf);

#endif
