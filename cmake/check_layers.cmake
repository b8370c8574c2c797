# Dependencies point down: every `#include "..."` of src/ and kernels/ must name a file of its own
# layer or of a layer below it (the table below; README.md, "Layout of the code"). Run by the
# build before any of the project's libraries is compiled, so that an include pointing the wrong
# way fails the build, and as the test include_layers.
#
#   cmake -DSOURCE_DIR=<repository> [-DSTAMP=<file to touch when clean>] -P check_layers.cmake
#
# A layer is a folder of src/ (kernels/ for the CUDA kernels). A file includes another folder's
# headers as "folder/name.h"; a name without a folder is its own folder's file or (in src/gpu/)
# a kernels/ header. The GPU backend is the one seam where a lower layer calls a higher one:
# src/pipeline/gpu_backend.h declares it, src/gpu/ defines it (or src/pipeline/gpu_backend_stub.cpp
# without CUDA) and only the link step joins them, so no include crosses upward.
cmake_minimum_required(VERSION 3.24)

# Each layer and the layers it may include, lowest first.
set(layers base color kernels video store render plan pipeline gpu app)
set(allowed_base base)
set(allowed_color color base)
set(allowed_kernels kernels color base)
set(allowed_video video color base)
set(allowed_store store color base)
set(allowed_render render store color base)
set(allowed_plan plan render video store color base)
set(allowed_pipeline pipeline plan render video store color base)
set(allowed_gpu gpu kernels pipeline plan render video store color base)
# app reaches the GPU through the seam only (pipeline/gpu_backend.h), never gpu/ or kernels/.
set(allowed_app app pipeline plan render video store color base)

if(NOT SOURCE_DIR)
  message(FATAL_ERROR "check_layers.cmake: give -DSOURCE_DIR=<repository>")
endif()

file(GLOB_RECURSE files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/src/*" "${SOURCE_DIR}/kernels/*")
list(SORT files)
set(problems "")
foreach(file IN LISTS files)
  if(NOT file MATCHES "\\.(h|cpp|cu|cuh)$")
    continue()
  endif()
  if(file MATCHES "^kernels/")
    set(layer kernels)
  elseif(file MATCHES "^src/([^/]+)/")
    set(layer "${CMAKE_MATCH_1}")
  else()
    string(APPEND problems "\n  ${file}: at the root of src/, outside every layer; put it in the folder of its layer")
    continue()
  endif()
  if(NOT layer IN_LIST layers)
    string(APPEND problems "\n  ${file}: src/${layer}/ is not a layer; add it to cmake/check_layers.cmake")
    continue()
  endif()
  get_filename_component(dir "${file}" DIRECTORY)
  file(STRINGS "${SOURCE_DIR}/${file}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]*)\".*" "\\1" included "${line}")
    if(included MATCHES "^([^/]+)/")
      set(target "${CMAKE_MATCH_1}")
    elseif(EXISTS "${SOURCE_DIR}/${dir}/${included}")
      set(target "${layer}")
    elseif(EXISTS "${SOURCE_DIR}/kernels/${included}")
      set(target kernels)
    else()
      string(APPEND problems "\n  ${file}: #include \"${included}\": no such file in ${dir}/ or kernels/")
      continue()
    endif()
    if(NOT target IN_LIST layers)
      string(APPEND problems "\n  ${file}: #include \"${included}\": ${target}/ is not a layer")
    elseif(NOT target IN_LIST allowed_${layer})
      string(REPLACE ";" ", " may "${allowed_${layer}}")
      string(APPEND problems "\n  ${file}: #include \"${included}\" points up: ${layer} may include only ${may}")
    endif()
  endforeach()
endforeach()

if(problems)
  message(FATAL_ERROR "includes against the layers (cmake/check_layers.cmake):${problems}")
endif()
if(STAMP)
  file(TOUCH "${STAMP}")
endif()
