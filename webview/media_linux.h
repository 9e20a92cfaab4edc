// WebKitGTK glue for media_linux.go: calls in the widget's page. UI thread only.
#ifndef EMBEDDABLE_TRAY_WEBVIEW_MEDIA_LINUX_H
#define EMBEDDABLE_TRAY_WEBVIEW_MEDIA_LINUX_H

#include <stdint.h>
#include <gtk/gtk.h>

// What a page asks for in a permission-request (webview.permission).
#define ET_PERMISSION_OTHER 0
#define ET_PERMISSION_MICROPHONE 1
#define ET_PERMISSION_NOTIFICATIONS 2
#define ET_PERMISSION_DEVICE_INFO 3

void et_media_enable(GtkWidget *window, uintptr_t handle);
void et_links_enable(GtkWidget *window, uintptr_t handle);
void et_native_webrtc(GtkWidget *window, uintptr_t callback);

#endif
