# Turn a file into a C array (cmake -DIN=file -DOUT=file.c -DNAME=sym -P embed.cmake):
# the page kigen serve answers GET / with is part of the binary, so the
# server needs no files beside it and works offline.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE "${OUT}" "/* Generated from ${IN} by cmake/embed.cmake: do not edit. */\n#include <stddef.h>\n"
  "const unsigned char ${NAME}[] = {\n${body}0};\nconst size_t ${NAME}_len = ${bytes};\n")
