/* akl fingerprint: the XXH3-64 fingerprint and device file name of SOs (cmd_fingerprint.c), for the
 * command table in main.c. */
#ifndef CLI_CMD_FINGERPRINT_H
#define CLI_CMD_FINGERPRINT_H

#include <stdio.h>

int cli_cmd_fingerprint(int argc, char **argv);
void cli_usage_fingerprint(FILE *out);

#endif /* CLI_CMD_FINGERPRINT_H */
