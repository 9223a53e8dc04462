// libnghttp2 (Debian: libnghttp2-dev). Only GyreHTTP2 imports this module.
#include <nghttp2/nghttp2.h>
