#include "vmctl.h"
