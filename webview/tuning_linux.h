// WebKit tuning for tuning_linux.go: what the app sets to use less memory and start faster.
#ifndef EMBEDDABLE_TRAY_WEBVIEW_TUNING_LINUX_H
#define EMBEDDABLE_TRAY_WEBVIEW_TUNING_LINUX_H

#include <gtk/gtk.h>

typedef struct {
  // Memory pressure of the web processes (0: WebKit's defaults, i.e. a limit of the RAM size).
  guint web_memory_limit_mb;
  double web_conservative, web_strict, web_poll_seconds;
  // Memory pressure of the network process (0: WebKit's defaults).
  guint network_memory_limit_mb;
  // WebKitCacheModel, or -1 for WebKit's default.
  int cache_model;
  // Drop WebKit's memory cache after the window has been hidden this long (0: never).
  guint release_after_seconds;
} EtTuning;

void et_tuning_set(EtTuning t);

// et_tune_window applies the tuning: the process-wide part once, before the first view is
// made (call it on a new window before its view exists), and the per-window part.
void et_tune_window(GtkWidget *window);

#endif
