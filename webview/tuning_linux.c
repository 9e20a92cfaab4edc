//go:build linux

#include "tuning_linux.h"
#include "_cgo_export.h"

#include <webkit2/webkit2.h>

// The WebKit settings that make the app lighter; tuning_linux.go decides which apply (the bench
// measures each one against the others: README.md, "What each change bought").

static EtTuning tuning;
static gboolean context_hooked;
static GObject *(*webkit_constructor)(GType, guint, GObjectConstructParam *);

// WebKitWebContext's "memory-pressure-settings" is construct-only, and webview_go makes its
// view on the default context, which WebKit constructs itself. GObject hands a class's
// constructor every construct property with its value (the default when not given): the
// class's constructor is wrapped to put the settings there before WebKit's code sees them.
static GObject *et_context_constructor(GType type, guint n, GObjectConstructParam *params) {
  for (guint i = 0; i < n && tuning.web_memory_limit_mb > 0; i++) {
    if (g_strcmp0(params[i].pspec->name, "memory-pressure-settings") == 0) {
      WebKitMemoryPressureSettings *s = webkit_memory_pressure_settings_new();
      webkit_memory_pressure_settings_set_memory_limit(s, tuning.web_memory_limit_mb);
      webkit_memory_pressure_settings_set_conservative_threshold(s, tuning.web_conservative);
      webkit_memory_pressure_settings_set_strict_threshold(s, tuning.web_strict);
      webkit_memory_pressure_settings_set_kill_threshold(s, 0); // never kill: the widget must keep ringing
      webkit_memory_pressure_settings_set_poll_interval(s, tuning.web_poll_seconds);
      g_value_take_boxed(params[i].value, s);
    }
  }
  return webkit_constructor(type, n, params);
}

static void et_tune_context_once(void) {
  if (context_hooked) {
    return;
  }
  context_hooked = TRUE;
  if (tuning.network_memory_limit_mb > 0) {
    // Must come before the network process starts: it reads them at launch.
    WebKitMemoryPressureSettings *s = webkit_memory_pressure_settings_new();
    webkit_memory_pressure_settings_set_memory_limit(s, tuning.network_memory_limit_mb);
    webkit_memory_pressure_settings_set_kill_threshold(s, 0);
    webkit_website_data_manager_set_memory_pressure_settings(s);
    webkit_memory_pressure_settings_free(s);
  }
  if (tuning.web_memory_limit_mb > 0) {
    GObjectClass *klass = G_OBJECT_CLASS(g_type_class_ref(WEBKIT_TYPE_WEB_CONTEXT));
    webkit_constructor = klass->constructor;
    klass->constructor = et_context_constructor;
  }
  WebKitWebContext *ctx = webkit_web_context_get_default();
  if (tuning.cache_model >= 0) {
    webkit_web_context_set_cache_model(ctx, (WebKitCacheModel)tuning.cache_model);
  }
}

// Releasing when hidden: after release_after_seconds out of sight, WebKit drops its memory
// cache (decoded images, parsed style sheets and scripts it keeps for reuse). The page itself,
// its timers and its connections stay: the widget keeps ringing.
typedef struct {
  guint timer;
} EtHiddenState;

static gboolean et_release(gpointer data) {
  EtHiddenState *st = data;
  st->timer = 0;
  WebKitWebsiteDataManager *m = webkit_web_context_get_website_data_manager(webkit_web_context_get_default());
  webkit_website_data_manager_clear(m, WEBKIT_WEBSITE_DATA_MEMORY_CACHE, 0, NULL, NULL, NULL);
  etTuningReleased();
  return G_SOURCE_REMOVE;
}

static void et_on_visible(GObject *o, GParamSpec *p, gpointer data) {
  (void)p;
  EtHiddenState *st = data;
  if (st->timer) {
    g_source_remove(st->timer);
    st->timer = 0;
  }
  if (!gtk_widget_get_visible(GTK_WIDGET(o))) {
    st->timer = g_timeout_add_seconds(tuning.release_after_seconds, et_release, st);
  }
}

static void et_hidden_state_free(gpointer data, GClosure *c) {
  (void)c;
  EtHiddenState *st = data;
  if (st->timer) {
    g_source_remove(st->timer);
  }
  g_free(st);
}

// The first load committed in a window's view means its web process runs, with whatever
// environment it inherited: Go may then take back what it set there for it.
static void et_on_load_changed(WebKitWebView *v, WebKitLoadEvent ev, gpointer data) {
  (void)data;
  if (ev == WEBKIT_LOAD_COMMITTED) {
    g_signal_handlers_disconnect_by_func(v, et_on_load_changed, NULL);
    etTuningWebProcessStarted();
  }
}

static void et_on_child_added(GtkContainer *c, GtkWidget *child, gpointer data) {
  (void)data;
  if (WEBKIT_IS_WEB_VIEW(child)) {
    g_signal_handlers_disconnect_by_func(c, et_on_child_added, NULL);
    g_signal_connect(child, "load-changed", G_CALLBACK(et_on_load_changed), NULL);
  }
}

void et_tuning_set(EtTuning t) { tuning = t; }

void et_tune_window(GtkWidget *window) {
  et_tune_context_once();
  g_signal_connect(window, "add", G_CALLBACK(et_on_child_added), NULL);
  if (tuning.release_after_seconds > 0) {
    g_signal_connect_data(window, "notify::visible", G_CALLBACK(et_on_visible), g_new0(EtHiddenState, 1),
                          et_hidden_state_free, 0);
  }
}
