/* Test-only stand-in for bcryptprimitives.dll under Wine 8, which lacks ProcessPrng: Rust's
 * standard library (1.78 and later) imports it for HashMap seeds and getrandom. Built by
 * tests/windows/run.sh with mingw, placed next to pqx.exe in the test folder only and loaded
 * with WINEDLLOVERRIDES=bcryptprimitives=n; never shipped. RtlGenRandom is
 * advapi32's SystemFunction036, which Wine implements. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
