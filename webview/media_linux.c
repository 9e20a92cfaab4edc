//go:build linux

#include "media_linux.h"
#include "_cgo_export.h"

#include <string.h>
#include <webkit2/webkit2.h>

// The app's isolated world (native_linux.h's ET_WORLD).
#define ET_MEDIA_WORLD "embeddable-tray"

// permission_kind sorts a request into what Go decides on. A user-media request counts as the
// microphone only when it asks for audio alone: a camera or the screen is something else.
static int permission_kind(WebKitPermissionRequest *r) {
  if (WEBKIT_IS_USER_MEDIA_PERMISSION_REQUEST(r)) {
    WebKitUserMediaPermissionRequest *m = WEBKIT_USER_MEDIA_PERMISSION_REQUEST(r);
    if (webkit_user_media_permission_is_for_audio_device(m) && !webkit_user_media_permission_is_for_video_device(m) &&
        !webkit_user_media_permission_is_for_display_device(m)) {
      return ET_PERMISSION_MICROPHONE;
    }
    return ET_PERMISSION_OTHER;
  }
  if (WEBKIT_IS_NOTIFICATION_PERMISSION_REQUEST(r)) {
    return ET_PERMISSION_NOTIFICATIONS;
  }
  if (WEBKIT_IS_DEVICE_INFO_PERMISSION_REQUEST(r)) {
    return ET_PERMISSION_DEVICE_INFO;
  }
  return ET_PERMISSION_OTHER;
}

// on_permission answers every permission request of the view itself (TRUE: WebKit's default,
// which may ask nobody and leave the page waiting, never runs). Go decides from the kind and
// the page's URI.
static gboolean on_permission(WebKitWebView *v, WebKitPermissionRequest *r, gpointer h) {
  const char *uri = webkit_web_view_get_uri(v);
  if (etPermission((uintptr_t)h, permission_kind(r), (char *)(uri ? uri : ""))) {
    webkit_permission_request_allow(r);
  } else {
    webkit_permission_request_deny(r);
  }
  return TRUE;
}

// on_navigation gives a top-level navigation to a page Go allows media for the website policy
// that lets it play sound without a user gesture (the widget's ringtone is new Audio().play()
// on an incoming call). Website policies are fixed when a view is made, except through a
// navigation's policy decision, and the view is webview_go's. Anything else is left to the
// next handler or WebKit's default.
static gboolean on_navigation(WebKitWebView *v, WebKitPolicyDecision *d, WebKitPolicyDecisionType type, gpointer h) {
  (void)v;
  if (type != WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION) {
    return FALSE;
  }
  WebKitNavigationAction *a = webkit_navigation_policy_decision_get_navigation_action(WEBKIT_NAVIGATION_POLICY_DECISION(d));
  WebKitURIRequest *req = a ? webkit_navigation_action_get_request(a) : NULL;
  const char *uri = req ? webkit_uri_request_get_uri(req) : NULL;
  if (!uri || !etAutoplay((uintptr_t)h, (char *)uri)) {
    return FALSE;
  }
  WebKitWebsitePolicies *p = webkit_website_policies_new_with_policies("autoplay", WEBKIT_AUTOPLAY_ALLOW, NULL);
  webkit_policy_decision_use_with_policies(d, p);
  g_object_unref(p);
  return TRUE;
}

// et_media_enable turns on WebKit's media stream and WebRTC (where the build has WebRTC; a
// build without it ignores the setting) and connects the handlers above. handle is the
// window's own signal data, so et_detach removes these handlers with its others.
void et_media_enable(GtkWidget *window, uintptr_t handle) {
  GtkWidget *child = gtk_bin_get_child(GTK_BIN(window));
  if (!child || !WEBKIT_IS_WEB_VIEW(child)) {
    return;
  }
  WebKitWebView *v = WEBKIT_WEB_VIEW(child);
  WebKitSettings *s = webkit_web_view_get_settings(v);
  webkit_settings_set_enable_media_stream(s, TRUE);
  webkit_settings_set_enable_webrtc(s, TRUE);
  g_signal_connect(v, "permission-request", G_CALLBACK(on_permission), (gpointer)handle);
  g_signal_connect(v, "decide-policy", G_CALLBACK(on_navigation), (gpointer)handle);
}

// web_scheme says whether a URI is one a web view loads itself; any other scheme (rcapp:,
// tel:, mailto:, ...) is for another app on the computer.
static gboolean web_scheme(const char *uri) {
  static const char *const web[] = {"http:", "https:", "about:", "data:", "blob:", "file:", NULL};
  for (int i = 0; web[i]; i++) {
    if (g_ascii_strncasecmp(uri, web[i], strlen(web[i])) == 0) {
      return TRUE;
    }
  }
  return FALSE;
}

// on_app_link hands Go a navigation of the page or of any frame, or a new window, to a URI
// of another app's scheme (the widget opens rcapp:// links in a hidden frame, or with
// window.open). What Go handles is not loaded; the rest goes on to WebKit's default.
static gboolean on_app_link(WebKitWebView *v, WebKitPolicyDecision *d, WebKitPolicyDecisionType type, gpointer h) {
  (void)v;
  if (type != WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION && type != WEBKIT_POLICY_DECISION_TYPE_NEW_WINDOW_ACTION) {
    return FALSE;
  }
  WebKitNavigationAction *a = webkit_navigation_policy_decision_get_navigation_action(WEBKIT_NAVIGATION_POLICY_DECISION(d));
  WebKitURIRequest *req = a ? webkit_navigation_action_get_request(a) : NULL;
  const char *uri = req ? webkit_uri_request_get_uri(req) : NULL;
  if (!uri || web_scheme(uri) || !etAppLink((uintptr_t)h, (char *)uri)) {
    return FALSE;
  }
  webkit_policy_decision_ignore(d);
  return TRUE;
}

// et_links_enable connects on_app_link; it is connected before the window's navigation policy
// (et_connect), which refuses every URI of an origin it does not know, another app's too.
void et_links_enable(GtkWidget *window, uintptr_t handle) {
  GtkWidget *child = gtk_bin_get_child(GTK_BIN(window));
  if (child && WEBKIT_IS_WEB_VIEW(child)) {
    g_signal_connect(child, "decide-policy", G_CALLBACK(on_app_link), (gpointer)handle);
  }
}

static void on_native_webrtc(GObject *o, GAsyncResult *res, gpointer callback) {
  JSCValue *v = webkit_web_view_evaluate_javascript_finish(WEBKIT_WEB_VIEW(o), res, NULL);
  int answer = v && jsc_value_is_boolean(v) ? jsc_value_to_boolean(v) : -1;
  if (v) {
    g_object_unref(v);
  }
  etNativeWebRTC((uintptr_t)callback, answer);
}

// et_native_webrtc asks the current page's app world whether WebKit gives it
// RTCPeerConnection. The app's world sees WebKit's own objects, never what a page script
// (the calling shim) defines in the page's world. callback (a cgo.Handle) gets 1, 0, or -1
// when the view could not say.
void et_native_webrtc(GtkWidget *window, uintptr_t callback) {
  GtkWidget *child = gtk_bin_get_child(GTK_BIN(window));
  if (!child || !WEBKIT_IS_WEB_VIEW(child)) {
    etNativeWebRTC(callback, -1);
    return;
  }
  webkit_web_view_evaluate_javascript(WEBKIT_WEB_VIEW(child), "typeof RTCPeerConnection === 'function'", -1, ET_MEDIA_WORLD,
                                      NULL, NULL, on_native_webrtc, (gpointer)callback);
}
