// The package's own WebView2 event handlers on a webview_go window (webview2_windows.c).
#ifndef ET_WEBVIEW2_WINDOWS_H
#define ET_WEBVIEW2_WINDOWS_H

#include <stdint.h>

typedef struct et2 et2;

// et2_attach reaches the ICoreWebView2 of webview_go's view w (a webview_t) and registers the
// package's handlers, which call back into Go with handle (a cgo.Handle of the *Window).
// NULL if webview_go made no controller (no WebView2 runtime, or its creation failed).
et2 *et2_attach(void *w, uintptr_t handle, int max_message);
// et2_listen_host adds the WebMessageReceived handler (once).
int et2_listen_host(et2 *e);
// et2_add_script and et2_eval take a NUL-terminated UTF-16 script; they return an HRESULT.
long et2_add_script(et2 *e, const uint16_t *js);
long et2_eval(et2 *e, const uint16_t *js);
// et2_user_data_folder returns WebView2's user data folder (CoTaskMemFree it), or NULL.
uint16_t *et2_user_data_folder(et2 *e);
void et2_free_string(uint16_t *s);
// et2_detach removes every handler: no callback reaches Go after it. et2_free releases the view.
void et2_detach(et2 *e);
void et2_free(et2 *e);

#endif
