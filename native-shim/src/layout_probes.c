#include "vsshim.h"
static const struct vs_layout_probe probes[] = { { "none", "", 0, 0, 0 } };
const struct vs_layout_probe *vs_layout_probes(uint32_t *count) { *count = 0; return probes; }
