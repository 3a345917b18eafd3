# kigen serve's page (GET /) in headless chromium (Debian: chromium): the
# form built from the pack, evaluation from a link's query (ISO and era
# dates), the results table, the timeline SVG, an explanation, a reading,
# and the error box (test_page.py says how). Included from
# tests/serve/CMakeLists.txt; KIGEN_PYTHON3 comes from tests/cli/CMakeLists.txt.
# The screenshot it takes is kept in this build directory (serve_page.png).
add_test(NAME serve_page
         COMMAND ${KIGEN_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/test_page.py
                 $<TARGET_FILE:kigen_cli> ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(serve_page PROPERTIES TIMEOUT 120 ENVIRONMENT PYTHONDONTWRITEBYTECODE=1)
