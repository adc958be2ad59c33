/* akl doctor: the preflight of runtime, devices, routes and toolchain (cmd_doctor.c), for the
 * command table in main.c. */
#ifndef CLI_CMD_DOCTOR_H
#define CLI_CMD_DOCTOR_H

#include <stdio.h>

int cli_cmd_doctor(int argc, char **argv);
void cli_usage_doctor(FILE *out);

#endif /* CLI_CMD_DOCTOR_H */
