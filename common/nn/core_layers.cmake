# target_sources(cascade_nn PRIVATE ...)
