# Test helpers shared by every area. Labels: unit (runs in every build, also under sanitizers),
# integration (real kernel, network namespaces, root; release build only), fuzz (IBSR_FUZZ only).
include(GoogleTest)

# The header-only fixtures of tests/support (TempDir and the file helpers of temp_dir.h): just
# the include directory, no library and no libbpf, so every unit test can use them. ibsr_gtest
# links it into every test; ibsr_test_support (the BPF harness in the same directory) exports it.
add_library(ibsr_test_fixtures INTERFACE)
target_include_directories(ibsr_test_fixtures INTERFACE ${PROJECT_SOURCE_DIR}/tests/support)

# ibsr_gtest(NAME SOURCES... LIBS libs...) - a GoogleTest binary, its tests discovered by ctest.
function(ibsr_gtest name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} ibsr_test_fixtures GTest::gtest GTest::gtest_main
                                        ibsr_warnings)
  target_compile_definitions(${name} PRIVATE
    IBSR_SOURCE_DIR="${PROJECT_SOURCE_DIR}" IBSR_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${T_LABELS}")
endfunction()

# ibsr_py_test(NAME SCRIPT [LABELS ...]) - a Python test (unittest) run with Debian's python3,
# given the build and source directories in the environment. Integration tests run serially:
# they share the machine's two cores and create network namespaces.
function(ibsr_py_test name script)
  cmake_parse_arguments(T "" "TIMEOUT" "LABELS;DEPENDS" ${ARGN})
  if(NOT T_LABELS)
    set(T_LABELS integration)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  add_test(NAME ${name} COMMAND /usr/bin/python3 -u ${script} -v)
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT} RUN_SERIAL ON
    ENVIRONMENT "IBSR_BUILD_DIR=${PROJECT_BINARY_DIR};IBSR_SOURCE_DIR=${PROJECT_SOURCE_DIR};PYTHONDONTWRITEBYTECODE=1")
endfunction()

# ibsr_fuzz_target(NAME SOURCES... LIBS libs... [SECONDS n] [CORPUS dir]) - a libFuzzer binary,
# built only with IBSR_FUZZ=ON, and a ctest that runs it for SECONDS (default 20).
function(ibsr_fuzz_target name)
  cmake_parse_arguments(F "" "SECONDS;CORPUS" "SOURCES;LIBS" ${ARGN})
  if(NOT IBSR_FUZZ)
    return()
  endif()
  if(NOT F_SECONDS)
    set(F_SECONDS 20)
  endif()
  add_executable(${name} ${F_SOURCES})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${name} PRIVATE ${F_LIBS} ibsr_warnings)
  set(corpus_dir ${CMAKE_CURRENT_BINARY_DIR}/${name}_corpus)
  set(seed_args)
  if(F_CORPUS)
    set(seed_args ${F_CORPUS})
  endif()
  add_test(NAME ${name}
    COMMAND sh -c "mkdir -p '${corpus_dir}' && exec '$<TARGET_FILE:${name}>' -max_total_time=${F_SECONDS} -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 '${corpus_dir}' ${seed_args}")
  set_tests_properties(${name} PROPERTIES LABELS fuzz TIMEOUT 300 RUN_SERIAL ON)
endfunction()
