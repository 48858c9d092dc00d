# bpf_object(NAME MODE) compiles bpf/NAME.bpf.c for the BPF target, links it with
# `bpftool gen object`, runs our safety verifier on the source and on the object in MODE
# (strict|payload|incident) -- a violation fails the build -- and generates NAME.skel.h
# (struct NAME_bpf). Link the INTERFACE target NAME_skel to get the header.
#
# bpf_fixture(NAME SRC) only compiles SRC to an object (for verifier tests); no check, no skeleton.
set(IBSR_BPF_CFLAGS -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror
    -I${PROJECT_SOURCE_DIR}/bpf -I/usr/include/${IBSR_MULTIARCH})
set(IBSR_BPF_OUT ${PROJECT_BINARY_DIR}/bpf)
# Every header a BPF program may include: a change to one rebuilds (and re-verifies) them all.
file(GLOB IBSR_BPF_HEADERS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/bpf/*.h)
file(MAKE_DIRECTORY ${IBSR_BPF_OUT})

# The kernel/userspace ABI (bpf/ibsr_abi.h): linked only by the BPF glue's users, the live modes
# and their tests, so the offline tools (report, export) cannot include it by accident.
add_library(ibsr_abi INTERFACE)
target_include_directories(ibsr_abi INTERFACE ${PROJECT_SOURCE_DIR}/bpf)

function(bpf_object name mode)
  set(src ${PROJECT_SOURCE_DIR}/bpf/${name}.bpf.c)
  set(tmp ${IBSR_BPF_OUT}/${name}.tmp.bpf.o)
  set(obj ${IBSR_BPF_OUT}/${name}.bpf.o)
  set(skel ${IBSR_BPF_OUT}/${name}.skel.h)
  add_custom_command(
    OUTPUT ${obj} ${skel}
    COMMAND ${BPF_CLANG} ${IBSR_BPF_CFLAGS} -c ${src} -o ${tmp}
    COMMAND ${BPFTOOL} gen object ${obj} ${tmp}
    COMMAND $<TARGET_FILE:ibsr-verify-bpf> --mode ${mode} --source ${src} --object ${obj}
    COMMAND sh -c "${BPFTOOL} gen skeleton ${obj} name ${name}_bpf > ${skel}.tmp && mv ${skel}.tmp ${skel}"
    DEPENDS ${src} ${IBSR_BPF_HEADERS} ${ARGN} ibsr-verify-bpf
    COMMENT "BPF ${name}: compile, verify (${mode}), skeleton"
    VERBATIM)
  add_custom_target(${name}_skel_gen DEPENDS ${obj} ${skel})
  add_library(${name}_skel INTERFACE)
  target_include_directories(${name}_skel INTERFACE ${IBSR_BPF_OUT})
  target_link_libraries(${name}_skel INTERFACE ibsr_abi)
  add_dependencies(${name}_skel ${name}_skel_gen)
endfunction()

function(bpf_fixture name src)
  set(obj ${IBSR_BPF_OUT}/fixtures/${name}.bpf.o)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${IBSR_BPF_OUT}/fixtures
    COMMAND ${BPF_CLANG} ${IBSR_BPF_CFLAGS} -Wno-unused-function -c ${src} -o ${obj}
    DEPENDS ${src} ${IBSR_BPF_HEADERS}
    COMMENT "BPF fixture ${name}"
    VERBATIM)
  add_custom_target(fixture_${name} DEPENDS ${obj})
  set_property(GLOBAL APPEND PROPERTY IBSR_BPF_FIXTURES fixture_${name})
endfunction()
