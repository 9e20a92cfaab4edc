//go:build linux

#include "native_linux.h"
#include "tuning_linux.h"
#include "_cgo_export.h"

#include <webkit2/webkit2.h>
#ifdef GDK_WINDOWING_X11
#include <gdk/gdkx.h>
#endif

// et_init names the program before GTK starts: GLib uses the name for WebKit's data
// directory ($XDG_DATA_HOME/<name>) and GDK for the X11 WM_CLASS.
int et_init(const char *prgname) {
  g_set_prgname(prgname);
  return gtk_init_check(NULL, NULL);
}

const char *et_prgname(void) { return g_get_prgname(); }

void et_main(void) { gtk_main(); }

void et_main_quit(void) {
  if (gtk_main_level() > 0) {
    gtk_main_quit();
  }
}

static gboolean et_idle(gpointer data) {
  etIdle((uintptr_t)data);
  return G_SOURCE_REMOVE;
}

// et_dispatch queues a Go function (a cgo.Handle) at webview_go's own priority, so that ours
// and webview_go's queued work (answers to bound calls) run in the order they were queued.
void et_dispatch(uintptr_t handle) {
  g_idle_add_full(G_PRIORITY_HIGH_IDLE, et_idle, (gpointer)handle, NULL);
}

GtkWidget *et_window_new(const char *title, int width, int height, int resizable) {
  GtkWidget *w = gtk_window_new(GTK_WINDOW_TOPLEVEL);
  gtk_window_set_title(GTK_WINDOW(w), title);
  gtk_window_set_default_size(GTK_WINDOW(w), width, height);
  gtk_window_set_resizable(GTK_WINDOW(w), resizable);
  et_tune_window(w); // tuning_linux.c
  return w;
}

static WebKitWebView *et_view(GtkWidget *window) {
  GtkWidget *child = gtk_bin_get_child(GTK_BIN(window));
  return child && WEBKIT_IS_WEB_VIEW(child) ? WEBKIT_WEB_VIEW(child) : NULL;
}

// et_configure_view applies the memory settings to the window's view. Measured (TOOLCHAIN.md):
// hardware acceleration NEVER takes a webview_go app from about 255 to 200 MB PSS.
void et_configure_view(GtkWidget *window) {
  WebKitWebView *v = et_view(window);
  if (!v) {
    return;
  }
  WebKitSettings *s = webkit_web_view_get_settings(v);
  webkit_settings_set_hardware_acceleration_policy(s, WEBKIT_HARDWARE_ACCELERATION_POLICY_NEVER);
}

// et_drop_bindings removes webview_go's own message handler ("external", in the page's
// world). It answers a call by evaluating a script in the top frame that holds the caller's
// id unescaped, so any frame could run code in the page through it (issue 9). The package
// binds nothing.
void et_drop_bindings(GtkWidget *window) {
  WebKitWebView *v = et_view(window);
  if (v) {
    webkit_user_content_manager_unregister_script_message_handler(webkit_web_view_get_user_content_manager(v),
                                                                  "external");
  }
}

int et_hardware_acceleration_never(GtkWidget *window) {
  WebKitWebView *v = et_view(window);
  return v && webkit_settings_get_hardware_acceleration_policy(webkit_web_view_get_settings(v)) ==
                  WEBKIT_HARDWARE_ACCELERATION_POLICY_NEVER;
}

static gboolean on_delete(GtkWidget *w, GdkEvent *e, gpointer h) {
  (void)w;
  (void)e;
  return etDeleteEvent((uintptr_t)h);
}

static void on_visible(GObject *o, GParamSpec *p, gpointer h) {
  (void)p;
  etVisibleChanged((uintptr_t)h, gtk_widget_get_visible(GTK_WIDGET(o)));
}

// et_add_script adds js, run at document start in the top frame of every page loaded after
// it: in the app's isolated world when host is set, else in the page's own world.
void et_add_script(GtkWidget *window, const char *js, int host) {
  WebKitWebView *v = et_view(window);
  if (!v) {
    return;
  }
  WebKitUserScript *s =
      host ? webkit_user_script_new_for_world(js, WEBKIT_USER_CONTENT_INJECT_TOP_FRAME,
                                              WEBKIT_USER_SCRIPT_INJECT_AT_DOCUMENT_START, ET_WORLD, NULL, NULL)
           : webkit_user_script_new(js, WEBKIT_USER_CONTENT_INJECT_TOP_FRAME,
                                    WEBKIT_USER_SCRIPT_INJECT_AT_DOCUMENT_START, NULL, NULL);
  webkit_user_content_manager_add_script(webkit_web_view_get_user_content_manager(v), s);
  webkit_user_script_unref(s);
}

// on_host_message takes what a host script posted. Only a string of at most
// ET_MAX_HOST_MESSAGE bytes goes on to Go; anything else is dropped here, before Go copies
// or parses it.
static void on_host_message(WebKitUserContentManager *m, WebKitJavascriptResult *r, gpointer h) {
  (void)m;
  JSCValue *value = webkit_javascript_result_get_js_value(r);
  if (!value || !jsc_value_is_string(value)) {
    etHostDropped((uintptr_t)h, 0, 0);
    return;
  }
  GBytes *b = jsc_value_to_string_as_bytes(value);
  gsize n = 0;
  const char *data = b ? g_bytes_get_data(b, &n) : NULL;
  if (!data || n > ET_MAX_HOST_MESSAGE) {
    etHostDropped((uintptr_t)h, 1, n);
  } else {
    etHostMessage((uintptr_t)h, (char *)data, n);
  }
  if (b) {
    g_bytes_unref(b);
  }
}

// et_listen_host registers the app's message handler in its isolated world only: page
// scripts and frames see no window.webkit.messageHandlers.embeddableTray.
void et_listen_host(GtkWidget *window, uintptr_t handle) {
  WebKitWebView *v = et_view(window);
  if (!v) {
    return;
  }
  WebKitUserContentManager *m = webkit_web_view_get_user_content_manager(v);
  g_signal_connect(m, "script-message-received::" ET_HANDLER, G_CALLBACK(on_host_message), (gpointer)handle);
  webkit_user_content_manager_register_script_message_handler_in_world(m, ET_HANDLER, ET_WORLD);
}

// et_eval_host evaluates js in the app's isolated world of the top frame; its result and
// errors are dropped.
void et_eval_host(GtkWidget *window, const char *js) {
  WebKitWebView *v = et_view(window);
  if (v) {
    webkit_web_view_evaluate_javascript(v, js, -1, ET_WORLD, NULL, NULL, NULL, NULL);
  }
}

// Stages of a load Go's navigation policy is asked about (webview.loadStage).
enum { ET_NAVIGATION = 0, ET_NEW_WINDOW = 1, ET_PAGE_RESPONSE = 2, ET_FRAME_RESPONSE = 3 };

// on_decide_policy asks Go's navigation policy about a navigation before it starts (WebKit
// does not say there whether it is the page's or a frame's), a new window, and the main
// resource of the page or a frame once its response is in (where WebKit does say). A refused
// one is ignored; everything else gets WebKit's default.
static gboolean on_decide_policy(WebKitWebView *v, WebKitPolicyDecision *d, WebKitPolicyDecisionType type, gpointer h) {
  (void)v;
  const char *uri = NULL;
  int stage = ET_NAVIGATION;
  int gesture = 0;
  if (type == WEBKIT_POLICY_DECISION_TYPE_RESPONSE) {
    WebKitResponsePolicyDecision *r = WEBKIT_RESPONSE_POLICY_DECISION(d);
    WebKitURIResponse *resp = webkit_response_policy_decision_get_response(r);
    uri = resp ? webkit_uri_response_get_uri(resp) : NULL;
    if (!uri) {
      uri = webkit_uri_request_get_uri(webkit_response_policy_decision_get_request(r));
    }
    stage = webkit_response_policy_decision_is_main_frame_main_resource(r) ? ET_PAGE_RESPONSE : ET_FRAME_RESPONSE;
  } else {
    WebKitNavigationAction *a =
        webkit_navigation_policy_decision_get_navigation_action(WEBKIT_NAVIGATION_POLICY_DECISION(d));
    uri = webkit_uri_request_get_uri(webkit_navigation_action_get_request(a));
    gesture = webkit_navigation_action_is_user_gesture(a);
    stage = type == WEBKIT_POLICY_DECISION_TYPE_NEW_WINDOW_ACTION ? ET_NEW_WINDOW : ET_NAVIGATION;
  }
  if (etAllowLoad((uintptr_t)h, (char *)(uri ? uri : ""), stage, gesture)) {
    return FALSE;
  }
  webkit_policy_decision_ignore(d);
  return TRUE;
}

static void on_uri(GObject *o, GParamSpec *p, gpointer h) {
  (void)p;
  etURIChanged((uintptr_t)h, (char *)webkit_web_view_get_uri(WEBKIT_WEB_VIEW(o)), 0);
}

static void on_load_changed(WebKitWebView *v, WebKitLoadEvent ev, gpointer h) {
  if (ev == WEBKIT_LOAD_COMMITTED) {
    etURIChanged((uintptr_t)h, (char *)webkit_web_view_get_uri(v), 1);
  }
}

static gboolean on_load_failed(WebKitWebView *v, WebKitLoadEvent ev, gchar *uri, GError *err, gpointer h) {
  (void)v;
  (void)ev;
  const char *domain = err ? g_quark_to_string(err->domain) : "";
  return etLoadFailed((uintptr_t)h, uri, (char *)domain, err ? err->code : 0,
                      err && err->message ? err->message : "");
}

// et_connect routes the window's signals to Go; handle (a cgo.Handle of the *Window) is the
// signal data, so et_detach can remove exactly these handlers.
void et_connect(GtkWidget *window, uintptr_t handle) {
  gpointer h = (gpointer)handle;
  g_signal_connect(window, "delete-event", G_CALLBACK(on_delete), h);
  g_signal_connect(window, "notify::visible", G_CALLBACK(on_visible), h);
  WebKitWebView *v = et_view(window);
  if (v) {
    g_signal_connect(v, "notify::uri", G_CALLBACK(on_uri), h);
    g_signal_connect(v, "load-changed", G_CALLBACK(on_load_changed), h);
    g_signal_connect(v, "load-failed", G_CALLBACK(on_load_failed), h);
    g_signal_connect(v, "decide-policy", G_CALLBACK(on_decide_policy), h);
  }
}

// et_detach silences the window: our handlers go, the app's message handler too, so nothing
// the page does reaches Go any more. The title-bar button then closes nothing until the
// window is destroyed.
void et_detach(GtkWidget *window, uintptr_t handle) {
  gpointer h = (gpointer)handle;
  g_signal_handlers_disconnect_by_data(window, h);
  g_signal_connect(window, "delete-event", G_CALLBACK(gtk_true), NULL);
  WebKitWebView *v = et_view(window);
  if (v) {
    g_signal_handlers_disconnect_by_data(v, h);
    WebKitUserContentManager *m = webkit_web_view_get_user_content_manager(v);
    g_signal_handlers_disconnect_by_data(m, h);
    webkit_user_content_manager_unregister_script_message_handler_in_world(m, ET_HANDLER, ET_WORLD);
  }
  gtk_widget_hide(window);
}

// et_present shows the window and raises it. From a tray click there is no input event to
// take a timestamp from, and window managers refuse focus to a request without a recent
// one: on X11 the server's current time stands in, and the window is first moved to the
// current workspace so that it comes to the user rather than the user to it.
void et_present(GtkWidget *window) {
  gtk_widget_show(window);
  gtk_window_deiconify(GTK_WINDOW(window));
  guint32 ts = GDK_CURRENT_TIME;
#ifdef GDK_WINDOWING_X11
  GdkWindow *gw = gtk_widget_get_window(window);
  if (gw && GDK_IS_X11_WINDOW(gw)) {
    gdk_x11_window_move_to_current_desktop(gw);
    ts = gdk_x11_get_server_time(gw);
  }
#endif
  gtk_window_present_with_time(GTK_WINDOW(window), ts);
}

void et_hide(GtkWidget *window) { gtk_widget_hide(window); }

void et_destroy(GtkWidget *window) { gtk_widget_destroy(window); }

// et_request_close does what a window manager's close button does (a delete event).
void et_request_close(GtkWidget *window) { gtk_window_close(GTK_WINDOW(window)); }

// et_data_dir is where WebKit keeps website data (localStorage, IndexedDB, cookies) for every
// view of the default context; g_free the result.
char *et_data_dir(void) {
  WebKitWebsiteDataManager *m =
      webkit_web_context_get_website_data_manager(webkit_web_context_get_default());
  const char *d = m ? webkit_website_data_manager_get_base_data_directory(m) : NULL;
  if (d) {
    return g_strdup(d);
  }
  // NULL means WebKit's default: the user data directory and the program name
  // (WebsiteDataStore::defaultBaseDataDirectory in WebsiteDataStoreGLib.cpp).
  return g_build_filename(g_get_user_data_dir(), g_get_prgname(), NULL);
}

int et_ephemeral(void) { return webkit_web_context_is_ephemeral(webkit_web_context_get_default()); }

// et_xid returns the window's X11 id (0 elsewhere), for tests that ask the X server about it.
unsigned long et_xid(GtkWidget *window) {
#ifdef GDK_WINDOWING_X11
  GdkWindow *gw = gtk_widget_get_window(window);
  if (gw && GDK_IS_X11_WINDOW(gw)) {
    return GDK_WINDOW_XID(gw);
  }
#endif
  return 0;
}
