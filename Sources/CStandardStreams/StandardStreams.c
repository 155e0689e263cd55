#include "CStandardStreams.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static int closed_streams = 0;

/// Runs before the Swift runtime and libdispatch open files of their own: a closed descriptor
/// 0, 1 or 2 would otherwise be the next file opened (an event descriptor, a SQLite store), and
/// what the tool prints as output would be written into it.
__attribute__((constructor)) static void reserve_standard_streams(void) {
    for (int descriptor = 0; descriptor <= 2; descriptor++) {
        if (fcntl(descriptor, F_GETFD) != -1 || errno != EBADF) continue;
        closed_streams |= 1 << descriptor;
        // The lowest free number: this one, as the lower ones are open by now.
        int opened = open("/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY);
        if (opened >= 0 && opened != descriptor) {
            dup2(opened, descriptor);
            close(opened);
        }
    }
}

int selinon_closed_standard_streams(void) {
    return closed_streams;
}
