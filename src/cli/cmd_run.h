/* akl run: load an SO, launch one kernel, report (cmd_run.c), for the command table in main.c. */
#ifndef CLI_CMD_RUN_H
#define CLI_CMD_RUN_H

#include <stdio.h>

int cli_cmd_run(int argc, char **argv);
void cli_usage_run(FILE *out);

#endif /* CLI_CMD_RUN_H */
