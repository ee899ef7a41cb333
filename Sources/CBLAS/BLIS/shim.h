// BLIS's CBLAS interface and its own API (Debian libblis-pthread-dev), for bli_arch_query_id,
// bli_arch_string and the thread-count calls. Debian installs the headers under the multiarch
// include directory, off the default search path.
//
// BLIS's headers define _POSIX_C_SOURCE when it is not defined, which without more hides the C
// library's BSD and GNU extensions (struct tm's tm_gmtoff, for one): a different C library than
// the one the Swift overlay sees, and a module that does not build. _DEFAULT_SOURCE keeps them.
#define _DEFAULT_SOURCE 1
#include </usr/include/x86_64-linux-gnu/blis-pthread/blis.h>
#include </usr/include/x86_64-linux-gnu/blis-pthread/cblas.h>
