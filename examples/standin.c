/* standin.c -- a stand-in for a GNU/Hurd server in the mkhurdimg demo image.

   Copyright (C) 2025 The mkhurdimg authors.

   This program is free software: you can redistribute it and/or modify
   it under the terms of the GNU General Public License as published by
   the Free Software Foundation, either version 3 of the License, or
   (at your option) any later version.

   This program is distributed in the hope that it will be useful,
   but WITHOUT ANY WARRANTY; without even the implied warranty of
   MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
   GNU General Public License for more details.

   You should have received a copy of the GNU General Public License
   along with this program.  If not, see <https://www.gnu.org/licenses/>.

   The demo root built by make-demo-root.sh holds no real Hurd: every
   server GRUB hands to GNU Mach (ext2fs.static, exec, rumpdisk.static,
   ...) is this program.  GNU Mach loads each one as an ELF module,
   prints its "task loaded:" line, and resumes the first task ("start
   ext2fs:").  That is all a boot test needs to see.  The program itself
   does nothing: it has no C library, makes no system call and spins
   forever, politely.

   Build (32-bit, static, no libc, reproducible, about 300 bytes):
     gcc -m32 -static -nostdlib -fno-pic -no-pie -O2 \
         -fno-asynchronous-unwind-tables -fno-ident \
         -Wl,--build-id=none -Wl,-z,noseparate-code -Wl,-z,norelro -s \
         -o standin standin.c  */

void _start (void) __attribute__ ((noreturn, used));

void
_start (void)
{
  for (;;)
    __asm__ volatile ("pause");
}
