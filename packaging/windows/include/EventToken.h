// mingw-w64 ships this header as eventtoken.h; webview_go includes it as EventToken.h,
// which only resolves on case-insensitive file systems. Put this directory on the
// cross compiler's include path (CGO_CXXFLAGS=-I...) to build the Windows exe from Linux.
#include <eventtoken.h>
