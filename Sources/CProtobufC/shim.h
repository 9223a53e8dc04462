// libprotobuf-c (Debian: libprotobuf-c-dev). Only CGyreProto and GyreWire use this module.
#include <protobuf-c/protobuf-c.h>
