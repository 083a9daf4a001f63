/* commands.h - the subcommands; each returns an exit status. */
#ifndef PROEFTUIN_COMMANDS_H
#define PROEFTUIN_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_run_index(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_probe(int argc, char **argv);

#endif
