#include "virtxml.h"
