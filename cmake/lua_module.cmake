# kigen as a Lua 5.4 module: `require "kigen"` from the stock interpreter.
#
# The module is built from the library's objects plus src/luamod/lua_module.c. It does
# not link liblua: the interpreter that loads it provides the Lua API
# (Debian's lua5.4 links Lua in and exports it), and two copies of Lua in
# one process must be avoided. Output: ${CMAKE_BINARY_DIR}/lua/kigen.so.

set(KIGEN_LUA_MODULE_DEPS ${KIGEN_DEPS})
list(REMOVE_ITEM KIGEN_LUA_MODULE_DEPS PkgConfig::LUA)

add_library(kigen_lua MODULE ${CMAKE_CURRENT_SOURCE_DIR}/src/luamod/lua_module.c $<TARGET_OBJECTS:kigen_obj>)
set_target_properties(kigen_lua PROPERTIES
  OUTPUT_NAME kigen
  PREFIX ""
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lua
  C_VISIBILITY_PRESET hidden)
target_compile_options(kigen_lua PRIVATE ${KIGEN_WARNINGS})
target_compile_definitions(kigen_lua PRIVATE _POSIX_C_SOURCE=200809L KIGEN_LUA_MODULE=1)
target_include_directories(kigen_lua PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/include ${CMAKE_CURRENT_BINARY_DIR}/include)
target_include_directories(kigen_lua SYSTEM PRIVATE
  $<TARGET_PROPERTY:PkgConfig::LUA,INTERFACE_INCLUDE_DIRECTORIES>)
target_link_libraries(kigen_lua PRIVATE ${KIGEN_LUA_MODULE_DEPS})

# Where `make install` puts it: the Lua C module directory pkg-config names
# (INSTALL_CMOD) when it lies under the install prefix, else
# ${CMAKE_INSTALL_LIBDIR}/lua/5.4. Override with KIGEN_LUA_CMOD_DIR.
pkg_get_variable(KIGEN_LUA_PC_CMOD lua5.4 INSTALL_CMOD)
set(_kigen_cmod "${CMAKE_INSTALL_LIBDIR}/lua/5.4")
if(KIGEN_LUA_PC_CMOD)
  string(FIND "${KIGEN_LUA_PC_CMOD}" "${CMAKE_INSTALL_PREFIX}/" _kigen_at)
  if(_kigen_at EQUAL 0)
    set(_kigen_cmod "${KIGEN_LUA_PC_CMOD}")
  endif()
endif()
set(KIGEN_LUA_CMOD_DIR "${_kigen_cmod}" CACHE PATH "Where to install the kigen Lua module")
install(TARGETS kigen_lua LIBRARY DESTINATION ${KIGEN_LUA_CMOD_DIR})
