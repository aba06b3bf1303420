/* Test-only stand-in for Windows 10's bcryptprimitives.dll, for running the windows binaries
 * under wine 8, which lacks it. Rust's standard library takes its random numbers (HashMap
 * seeds) from ProcessPrng; this one draws them from RtlGenRandom (advapi32's SystemFunction036),
 * which wine has. Never shipped: the release is a plain Windows 10+ program. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
