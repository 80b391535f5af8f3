/* Test helper: holds FILE open as Power BI Desktop holds a loaded connector (read access,
 * sharing read only: no delete, so it cannot be replaced) for MS milliseconds, then exits.
 * Usage: hold_open.exe FILE MS. Prints "held" once the file is open. */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    HANDLE h = CreateFileA(argv[1], GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return 3;
    printf("held\n");
    fflush(stdout);
    Sleep((DWORD)atoi(argv[2]));
    CloseHandle(h);
    return 0;
}
