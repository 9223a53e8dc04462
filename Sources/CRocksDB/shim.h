// librocksdb's C API (Debian: librocksdb-dev, 7.8.3). Only GyreStorage imports this module.
#include <rocksdb/c.h>
