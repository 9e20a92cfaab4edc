// GTK and WebKitGTK glue for native_linux.go. Every function runs on the UI thread, except
// et_dispatch, which GLib allows from any thread.
#ifndef EMBEDDABLE_TRAY_WEBVIEW_NATIVE_LINUX_H
#define EMBEDDABLE_TRAY_WEBVIEW_NATIVE_LINUX_H

#include <stdint.h>
#include <gtk/gtk.h>

int et_init(const char *prgname);
const char *et_prgname(void);
void et_main(void);
void et_main_quit(void);
void et_dispatch(uintptr_t handle);

GtkWidget *et_window_new(const char *title, int width, int height, int resizable);
void et_configure_view(GtkWidget *window);
void et_drop_bindings(GtkWidget *window);
void et_connect(GtkWidget *window, uintptr_t handle);
void et_detach(GtkWidget *window, uintptr_t handle);
void et_present(GtkWidget *window);
void et_hide(GtkWidget *window);
void et_destroy(GtkWidget *window);
void et_request_close(GtkWidget *window);

// The app's script world and its message handler (webview.HostWorld, webview.HostHandler).
#define ET_WORLD "embeddable-tray"
#define ET_HANDLER "embeddableTray"

// The largest message a host script may post, in bytes (webview.MaxHostMessage).
#define ET_MAX_HOST_MESSAGE (1 << 20)

void et_add_script(GtkWidget *window, const char *js, int host);
void et_listen_host(GtkWidget *window, uintptr_t handle);
void et_eval_host(GtkWidget *window, const char *js);

int et_hardware_acceleration_never(GtkWidget *window);
char *et_data_dir(void);
int et_ephemeral(void);
unsigned long et_xid(GtkWidget *window);

#endif
