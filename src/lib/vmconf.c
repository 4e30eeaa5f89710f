#include "vmconf.h"
