#ifndef SELINON_MIGRATE_STANDARD_STREAMS_H
#define SELINON_MIGRATE_STANDARD_STREAMS_H

/// Which of standard input, output and error (bits 0, 1 and 2) were closed when the process
/// started; each has been opened on /dev/null since, before any other file could take its
/// number (a store's database written to as standard output).
int selinon_closed_standard_streams(void);

#endif
