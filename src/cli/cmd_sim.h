/* akl sim ls|clean: the simulator's published files (cmd_sim.c), for main.c's command table. */
#ifndef CLI_CMD_SIM_H
#define CLI_CMD_SIM_H

#include <stdio.h>

int cli_cmd_sim(int argc, char **argv);
void cli_usage_sim(FILE *out);

#endif /* CLI_CMD_SIM_H */
