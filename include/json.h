/* json.h - JSON text for machine-readable output (--json) */
#ifndef MKHURDIMG_JSON_H
#define MKHURDIMG_JSON_H

#include "strbuf.h"

/* S as a JSON string, quotes included: ", \ and control characters
 * escaped; bytes that are not UTF-8 become \u00XX (Latin-1), so the text
 * is valid JSON whatever a file name holds. */
void json_string(struct strbuf *sb, const char *s);

#endif
