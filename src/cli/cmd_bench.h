/* akl bench: runs akl-bench (cmd_bench.c), for the command table in main.c. */
#ifndef CLI_CMD_BENCH_H
#define CLI_CMD_BENCH_H

#include <stdio.h>

int cli_cmd_bench(int argc, char **argv);
void cli_usage_bench(FILE *out);

#endif /* CLI_CMD_BENCH_H */
