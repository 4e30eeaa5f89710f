#include "virt.h"
