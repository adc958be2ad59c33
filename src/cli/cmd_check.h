/* akl check: validate an SO as a load would, without a device (cmd_check.c), for the command table
 * in main.c. */
#ifndef CLI_CMD_CHECK_H
#define CLI_CMD_CHECK_H

#include <stdio.h>

int cli_cmd_check(int argc, char **argv);
void cli_usage_check(FILE *out);

#endif /* CLI_CMD_CHECK_H */
