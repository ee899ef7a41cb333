// BLIS's CBLAS interface and its own API (Debian libblis-pthread-dev, POSIX-threads build), for
// bli_arch_query_id, bli_arch_string and the thread-count calls. Debian installs the headers
// beside each other under the multiarch include directory, not on the default search path.
#include </usr/include/x86_64-linux-gnu/blis-pthread/blis.h>
#include </usr/include/x86_64-linux-gnu/blis-pthread/cblas.h>
