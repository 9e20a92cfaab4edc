// A stand-in for Windows' bcryptprimitives.dll, for running Go test binaries under Wine 8,
// which has no such DLL: Go 1.24 and later take their random numbers from its ProcessPrng
// and refuse to start without it. Used by wine-test.sh only, never shipped.
#include <windows.h>
#include <bcrypt.h>

// ProcessPrng fills data with len random bytes from the system's RNG.
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
    if (BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) {
      return FALSE;
    }
    data += n;
    len -= n;
  }
  return TRUE;
}
