# Man pages: docs/man/*.scd, written in scdoc(5), rendered at build time with
# scdoc (Debian package scdoc) into ${CMAKE_BINARY_DIR}/man/ and installed to
# ${CMAKE_INSTALL_MANDIR}/man1, man5 and man7. Without scdoc the build goes on
# without man pages (and tests/man says so: it fails until scdoc is there).
#
# The same file is the render step: `cmake -DKIGEN_SCDOC=... -DIN=x.scd
# -DOUT=x.1 -P man.cmake` runs scdoc < IN > OUT (no shell redirection in
# the build rules, and no half-written page when scdoc fails).
if(CMAKE_SCRIPT_MODE_FILE)
  execute_process(COMMAND ${KIGEN_SCDOC} INPUT_FILE ${IN} OUTPUT_FILE ${OUT}.tmp RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    file(REMOVE ${OUT}.tmp)
    message(FATAL_ERROR "scdoc failed on ${IN} (${rc})")
  endif()
  file(RENAME ${OUT}.tmp ${OUT})
  return()
endif()

set(KIGEN_MAN_PAGES kigen.1 kigen-rules.5 kigen-lua.7)
list(JOIN KIGEN_MAN_PAGES ", " _kigen_man_list)
find_program(KIGEN_SCDOC scdoc)
if(KIGEN_SCDOC)
  set(_kigen_man_outputs)
  foreach(page ${KIGEN_MAN_PAGES})
    string(REGEX MATCH "[0-9]$" section ${page})
    set(src ${PROJECT_SOURCE_DIR}/docs/man/${page}.scd)
    set(out ${CMAKE_BINARY_DIR}/man/${page})
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
      COMMAND ${CMAKE_COMMAND} -DKIGEN_SCDOC=${KIGEN_SCDOC} -DIN=${src} -DOUT=${out}
              -P ${CMAKE_CURRENT_LIST_FILE}
      DEPENDS ${src} ${CMAKE_CURRENT_LIST_FILE}
      COMMENT "Rendering the man page ${page}"
      VERBATIM)
    list(APPEND _kigen_man_outputs ${out})
    install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  endforeach()
  add_custom_target(kigen_man ALL DEPENDS ${_kigen_man_outputs})
  message(STATUS "Man pages: ${_kigen_man_list} (scdoc: ${KIGEN_SCDOC})")
else()
  message(STATUS "scdoc not found: the man pages (${_kigen_man_list}) are not built or installed; "
                 "apt-get install scdoc to have them")
endif()
