//go:build windows

// The package's WebView2 event handlers, next to webview_go's own. webview_go keeps its
// ICoreWebView2Controller private but hands it out through its C API
// (webview_get_native_handle, linked from webview_go's own object), so nothing of webview_go
// is copied or changed: this file adds handlers to the same view, and webview_go's keep
// running (its WebMessageReceived handler finds no binding to call: the package binds none).
//
// Each handler is a small COM object whose Invoke calls one exported Go function with the
// window's cgo.Handle. Everything here runs on the UI thread: WebView2 raises its events on
// the thread that made the view, inside webview_go's message loop.

#define COBJMACROS
#include <windows.h>
#include <stdlib.h>
#include <wchar.h>

// WebView2.h defines its IIDs as `EXTERN_C __declspec(selectany) const IID ... = {...}`, which
// C compilers warn about (extern with an initialiser) on every build; in C a file-scope const
// has external linkage anyway, so EXTERN_C is emptied for this header only.
#undef EXTERN_C
#define EXTERN_C
#include "WebView2.h"
#undef EXTERN_C
#define EXTERN_C extern
#include "webview2_windows.h"
#include "_cgo_export.h"

// From webview_go's object (webview.h, WEBVIEW_STATIC makes it extern): kind 2 is
// WEBVIEW_NATIVE_HANDLE_KIND_BROWSER_CONTROLLER, an ICoreWebView2Controller*.
extern void *webview_get_native_handle(void *w, int kind);
#define ET2_BROWSER_CONTROLLER 2

enum {
  ET2_MESSAGE,
  ET2_PERMISSION,
  ET2_NAVIGATION,
  ET2_FRAME_NAVIGATION,
  ET2_CONTENT_LOADING,
  ET2_SOURCE_CHANGED,
  ET2_NAVIGATION_COMPLETED,
  ET2_NEW_WINDOW,
  ET2_HANDLERS
};

typedef struct et2_handler et2_handler;

// Every ICoreWebView2...EventHandler has this layout: IUnknown, then Invoke(sender, args).
typedef struct {
  HRESULT(STDMETHODCALLTYPE *QueryInterface)(et2_handler *, REFIID, void **);
  ULONG(STDMETHODCALLTYPE *AddRef)(et2_handler *);
  ULONG(STDMETHODCALLTYPE *Release)(et2_handler *);
  HRESULT(STDMETHODCALLTYPE *Invoke)(et2_handler *, ICoreWebView2 *, IUnknown *);
} et2_vtbl;

struct et2_handler {
  const et2_vtbl *vtbl;
  LONG refs;
  const IID *iid;
  et2 *owner; // NULL once detached
};

struct et2 {
  ICoreWebView2 *core;
  uintptr_t handle;
  int max_message;
  et2_handler *handlers[ET2_HANDLERS];
  EventRegistrationToken tokens[ET2_HANDLERS];
};

static const IID et2_iid_unknown = {0x00000000, 0x0000, 0x0000, {0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};

static HRESULT STDMETHODCALLTYPE et2_query(et2_handler *h, REFIID riid, void **out) {
  if (!out) {
    return E_POINTER;
  }
  if (IsEqualIID(riid, &et2_iid_unknown) || IsEqualIID(riid, h->iid)) {
    *out = h;
    InterlockedIncrement(&h->refs);
    return S_OK;
  }
  *out = NULL;
  return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE et2_addref(et2_handler *h) { return InterlockedIncrement(&h->refs); }

static ULONG STDMETHODCALLTYPE et2_release(et2_handler *h) {
  LONG n = InterlockedDecrement(&h->refs);
  if (n == 0) {
    free(h);
  }
  return n;
}

// et2_source returns the top-level document's URI (CoTaskMemFree it), or NULL.
static LPWSTR et2_source(et2 *e) {
  LPWSTR uri = NULL;
  if (FAILED(ICoreWebView2_get_Source(e->core, &uri))) {
    return NULL;
  }
  return uri;
}

static int et2_len(LPCWSTR s) { return s ? (int)wcslen(s) : 0; }

// The Invoke of each handler. args is the event's args interface.

static HRESULT STDMETHODCALLTYPE et2_on_message(et2_handler *h, ICoreWebView2 *sender, IUnknown *raw) {
  (void)sender;
  et2 *e = h->owner;
  if (!e) {
    return S_OK;
  }
  ICoreWebView2WebMessageReceivedEventArgs *args = (ICoreWebView2WebMessageReceivedEventArgs *)raw;
  LPWSTR msg = NULL, src = NULL;
  // A message that is not a string fails here and is dropped, as is an oversized one: its
  // UTF-8 form is at least as many bytes as it has UTF-16 units. Go hears only that it was.
  if (FAILED(ICoreWebView2WebMessageReceivedEventArgs_TryGetWebMessageAsString(args, &msg)) || !msg) {
    etw2HostDropped(e->handle, 0, 0);
  } else if (wcslen(msg) > (size_t)e->max_message) {
    etw2HostDropped(e->handle, 1, (int)(wcslen(msg) > 0x7fffffff ? 0x7fffffff : wcslen(msg)));
  } else if (SUCCEEDED(ICoreWebView2WebMessageReceivedEventArgs_get_Source(args, &src)) && src) {
    etw2HostMessage(e->handle, (uint16_t *)src, et2_len(src), (uint16_t *)msg, et2_len(msg));
  }
  CoTaskMemFree(msg);
  CoTaskMemFree(src);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE et2_on_permission(et2_handler *h, ICoreWebView2 *sender, IUnknown *raw) {
  (void)sender;
  et2 *e = h->owner;
  if (!e) {
    return S_OK;
  }
  ICoreWebView2PermissionRequestedEventArgs *args = (ICoreWebView2PermissionRequestedEventArgs *)raw;
  COREWEBVIEW2_PERMISSION_KIND kind = COREWEBVIEW2_PERMISSION_KIND_UNKNOWN_PERMISSION;
  LPWSTR uri = NULL;
  ICoreWebView2PermissionRequestedEventArgs_get_PermissionKind(args, &kind);
  ICoreWebView2PermissionRequestedEventArgs_get_Uri(args, &uri);
  int state = etw2Permission(e->handle, (uint16_t *)uri, et2_len(uri), (int)kind);
  if (state != COREWEBVIEW2_PERMISSION_STATE_DEFAULT) {
    ICoreWebView2PermissionRequestedEventArgs_put_State(args, (COREWEBVIEW2_PERMISSION_STATE)state);
  }
  CoTaskMemFree(uri);
  return S_OK;
}

static HRESULT et2_navigation(et2_handler *h, IUnknown *raw, int frame) {
  et2 *e = h->owner;
  if (!e) {
    return S_OK;
  }
  ICoreWebView2NavigationStartingEventArgs *args = (ICoreWebView2NavigationStartingEventArgs *)raw;
  LPWSTR uri = NULL;
  BOOL user = FALSE;
  ICoreWebView2NavigationStartingEventArgs_get_IsUserInitiated(args, &user);
  if (SUCCEEDED(ICoreWebView2NavigationStartingEventArgs_get_Uri(args, &uri)) && uri) {
    if (!etw2Navigation(e->handle, (uint16_t *)uri, et2_len(uri), frame, user ? 1 : 0)) {
      ICoreWebView2NavigationStartingEventArgs_put_Cancel(args, TRUE);
    }
  }
  CoTaskMemFree(uri);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE et2_on_navigation(et2_handler *h, ICoreWebView2 *sender, IUnknown *raw) {
  (void)sender;
  return et2_navigation(h, raw, 0);
}

static HRESULT STDMETHODCALLTYPE et2_on_frame_navigation(et2_handler *h, ICoreWebView2 *sender, IUnknown *raw) {
  (void)sender;
  return et2_navigation(h, raw, 1);
}

// ContentLoading: the top-level load is committed and the new document is about to run its
// first script (the host scripts come after this event).
static HRESULT STDMETHODCALLTYPE et2_on_content_loading(et2_handler *h, ICoreWebView2 *sender, IUnknown *raw) {
  (void)sender;
  (void)raw;
  et2 *e = h->owner;
  if (!e) {
    return S_OK;
  }
  LPWSTR uri = et2_source(e);
  etw2Committed(e->handle, (uint16_t *)uri, et2_len(uri));
  CoTaskMemFree(uri);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE et2_on_source_changed(et2_handler *h, ICoreWebView2 *sender, IUnknown *raw) {
  (void)sender;
  (void)raw;
  et2 *e = h->owner;
  if (!e) {
    return S_OK;
  }
  LPWSTR uri = et2_source(e);
  etw2SourceChanged(e->handle, (uint16_t *)uri, et2_len(uri));
  CoTaskMemFree(uri);
  return S_OK;
}

static HRESULT STDMETHODCALLTYPE et2_on_navigation_completed(et2_handler *h, ICoreWebView2 *sender, IUnknown *raw) {
  (void)sender;
  et2 *e = h->owner;
  if (!e) {
    return S_OK;
  }
  ICoreWebView2NavigationCompletedEventArgs *args = (ICoreWebView2NavigationCompletedEventArgs *)raw;
  BOOL ok = TRUE;
  COREWEBVIEW2_WEB_ERROR_STATUS status = COREWEBVIEW2_WEB_ERROR_STATUS_UNKNOWN;
  ICoreWebView2NavigationCompletedEventArgs_get_IsSuccess(args, &ok);
  if (ok) {
    return S_OK;
  }
  ICoreWebView2NavigationCompletedEventArgs_get_WebErrorStatus(args, &status);
  LPWSTR uri = et2_source(e);
  etw2LoadFailed(e->handle, (uint16_t *)uri, et2_len(uri), (int)status);
  CoTaskMemFree(uri);
  return S_OK;
}

// window.open and target=_blank: WebView2 would open a browser window of its own, outside
// the app's windows and policies. It opens nothing, as on Linux; Go hears of the URI (the
// navigation policy opens one the user asked for elsewhere).
static HRESULT STDMETHODCALLTYPE et2_on_new_window(et2_handler *h, ICoreWebView2 *sender, IUnknown *raw) {
  (void)sender;
  et2 *e = h->owner;
  ICoreWebView2NewWindowRequestedEventArgs *args = (ICoreWebView2NewWindowRequestedEventArgs *)raw;
  ICoreWebView2NewWindowRequestedEventArgs_put_Handled(args, TRUE);
  if (!e) {
    return S_OK;
  }
  LPWSTR uri = NULL;
  BOOL user = FALSE;
  ICoreWebView2NewWindowRequestedEventArgs_get_IsUserInitiated(args, &user);
  ICoreWebView2NewWindowRequestedEventArgs_get_Uri(args, &uri);
  etw2NewWindow(e->handle, (uint16_t *)uri, et2_len(uri), user ? 1 : 0);
  CoTaskMemFree(uri);
  return S_OK;
}

#define ET2_VTBL(name, invoke) \
  static const et2_vtbl name = {et2_query, et2_addref, et2_release, invoke}

ET2_VTBL(vtbl_message, et2_on_message);
ET2_VTBL(vtbl_permission, et2_on_permission);
ET2_VTBL(vtbl_navigation, et2_on_navigation);
ET2_VTBL(vtbl_frame_navigation, et2_on_frame_navigation);
ET2_VTBL(vtbl_content_loading, et2_on_content_loading);
ET2_VTBL(vtbl_source_changed, et2_on_source_changed);
ET2_VTBL(vtbl_navigation_completed, et2_on_navigation_completed);
ET2_VTBL(vtbl_new_window, et2_on_new_window);

static et2_handler *et2_handler_new(et2 *e, const et2_vtbl *vtbl, const IID *iid) {
  et2_handler *h = calloc(1, sizeof *h);
  if (h) {
    h->vtbl = vtbl;
    h->refs = 1; // ours, given back by et2_detach
    h->iid = iid;
    h->owner = e;
  }
  return h;
}

// et2_add registers handler i with the view's add_ method; the handler is kept only if that
// worked.
static void et2_add(et2 *e, int i, const et2_vtbl *vtbl, const IID *iid) {
  et2_handler *h = et2_handler_new(e, vtbl, iid);
  if (!h) {
    return;
  }
  HRESULT hr = E_FAIL;
  void *p = h;
  switch (i) {
  case ET2_MESSAGE:
    hr = ICoreWebView2_add_WebMessageReceived(e->core, p, &e->tokens[i]);
    break;
  case ET2_PERMISSION:
    hr = ICoreWebView2_add_PermissionRequested(e->core, p, &e->tokens[i]);
    break;
  case ET2_NAVIGATION:
    hr = ICoreWebView2_add_NavigationStarting(e->core, p, &e->tokens[i]);
    break;
  case ET2_FRAME_NAVIGATION:
    hr = ICoreWebView2_add_FrameNavigationStarting(e->core, p, &e->tokens[i]);
    break;
  case ET2_CONTENT_LOADING:
    hr = ICoreWebView2_add_ContentLoading(e->core, p, &e->tokens[i]);
    break;
  case ET2_SOURCE_CHANGED:
    hr = ICoreWebView2_add_SourceChanged(e->core, p, &e->tokens[i]);
    break;
  case ET2_NAVIGATION_COMPLETED:
    hr = ICoreWebView2_add_NavigationCompleted(e->core, p, &e->tokens[i]);
    break;
  case ET2_NEW_WINDOW:
    hr = ICoreWebView2_add_NewWindowRequested(e->core, p, &e->tokens[i]);
    break;
  }
  if (SUCCEEDED(hr)) {
    e->handlers[i] = h;
  } else {
    h->owner = NULL;
    et2_release(h);
  }
}

static void et2_remove(et2 *e, int i) {
  EventRegistrationToken t = e->tokens[i];
  switch (i) {
  case ET2_MESSAGE:
    ICoreWebView2_remove_WebMessageReceived(e->core, t);
    break;
  case ET2_PERMISSION:
    ICoreWebView2_remove_PermissionRequested(e->core, t);
    break;
  case ET2_NAVIGATION:
    ICoreWebView2_remove_NavigationStarting(e->core, t);
    break;
  case ET2_FRAME_NAVIGATION:
    ICoreWebView2_remove_FrameNavigationStarting(e->core, t);
    break;
  case ET2_CONTENT_LOADING:
    ICoreWebView2_remove_ContentLoading(e->core, t);
    break;
  case ET2_SOURCE_CHANGED:
    ICoreWebView2_remove_SourceChanged(e->core, t);
    break;
  case ET2_NAVIGATION_COMPLETED:
    ICoreWebView2_remove_NavigationCompleted(e->core, t);
    break;
  case ET2_NEW_WINDOW:
    ICoreWebView2_remove_NewWindowRequested(e->core, t);
    break;
  }
}

et2 *et2_attach(void *w, uintptr_t handle, int max_message) {
  if (!w) {
    return NULL;
  }
  ICoreWebView2Controller *controller = webview_get_native_handle(w, ET2_BROWSER_CONTROLLER);
  if (!controller) {
    return NULL;
  }
  ICoreWebView2 *core = NULL;
  if (FAILED(ICoreWebView2Controller_get_CoreWebView2(controller, &core)) || !core) {
    return NULL;
  }
  et2 *e = calloc(1, sizeof *e);
  if (!e) {
    ICoreWebView2_Release(core);
    return NULL;
  }
  e->core = core; // get_CoreWebView2 gave us a reference
  e->handle = handle;
  e->max_message = max_message;
  et2_add(e, ET2_PERMISSION, &vtbl_permission, &IID_ICoreWebView2PermissionRequestedEventHandler);
  et2_add(e, ET2_NAVIGATION, &vtbl_navigation, &IID_ICoreWebView2NavigationStartingEventHandler);
  et2_add(e, ET2_FRAME_NAVIGATION, &vtbl_frame_navigation, &IID_ICoreWebView2NavigationStartingEventHandler);
  et2_add(e, ET2_CONTENT_LOADING, &vtbl_content_loading, &IID_ICoreWebView2ContentLoadingEventHandler);
  et2_add(e, ET2_SOURCE_CHANGED, &vtbl_source_changed, &IID_ICoreWebView2SourceChangedEventHandler);
  et2_add(e, ET2_NAVIGATION_COMPLETED, &vtbl_navigation_completed, &IID_ICoreWebView2NavigationCompletedEventHandler);
  et2_add(e, ET2_NEW_WINDOW, &vtbl_new_window, &IID_ICoreWebView2NewWindowRequestedEventHandler);
  return e;
}

int et2_listen_host(et2 *e) {
  if (!e->handlers[ET2_MESSAGE]) {
    et2_add(e, ET2_MESSAGE, &vtbl_message, &IID_ICoreWebView2WebMessageReceivedEventHandler);
  }
  return e->handlers[ET2_MESSAGE] != NULL;
}

long et2_add_script(et2 *e, const uint16_t *js) {
  return ICoreWebView2_AddScriptToExecuteOnDocumentCreated(e->core, (LPCWSTR)js, NULL);
}

long et2_eval(et2 *e, const uint16_t *js) { return ICoreWebView2_ExecuteScript(e->core, (LPCWSTR)js, NULL); }

uint16_t *et2_user_data_folder(et2 *e) {
  ICoreWebView2_2 *core2 = NULL;
  ICoreWebView2Environment *env = NULL;
  ICoreWebView2Environment7 *env7 = NULL;
  LPWSTR folder = NULL;
  if (SUCCEEDED(ICoreWebView2_QueryInterface(e->core, &IID_ICoreWebView2_2, (void **)&core2)) && core2 &&
      SUCCEEDED(ICoreWebView2_2_get_Environment(core2, &env)) && env &&
      SUCCEEDED(ICoreWebView2Environment_QueryInterface(env, &IID_ICoreWebView2Environment7, (void **)&env7)) && env7) {
    ICoreWebView2Environment7_get_UserDataFolder(env7, &folder);
  }
  if (env7) {
    ICoreWebView2Environment7_Release(env7);
  }
  if (env) {
    ICoreWebView2Environment_Release(env);
  }
  if (core2) {
    ICoreWebView2_2_Release(core2);
  }
  return (uint16_t *)folder;
}

void et2_free_string(uint16_t *s) { CoTaskMemFree(s); }

void et2_detach(et2 *e) {
  for (int i = 0; i < ET2_HANDLERS; i++) {
    et2_handler *h = e->handlers[i];
    if (!h) {
      continue;
    }
    et2_remove(e, i);
    h->owner = NULL; // a call WebView2 still makes finds no window
    e->handlers[i] = NULL;
    et2_release(h);
  }
  e->handle = 0;
}

void et2_free(et2 *e) {
  et2_detach(e);
  ICoreWebView2_Release(e->core);
  free(e);
}
