# Bash completion: tools/completion/kigen.bash, installed where the
# bash-completion package loads completions on demand (by the command's
# name). The script needs only bash, not bash-completion's helpers.
install(FILES ${PROJECT_SOURCE_DIR}/tools/completion/kigen.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME kigen)
