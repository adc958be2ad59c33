/* akl gc: the device's collector of published files (cmd_gc.c), for main.c's command table. */
#ifndef CLI_CMD_GC_H
#define CLI_CMD_GC_H

#include <stdio.h>

int cli_cmd_gc(int argc, char **argv);
void cli_usage_gc(FILE *out);

#endif /* CLI_CMD_GC_H */
