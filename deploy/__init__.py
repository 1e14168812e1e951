"""Running 反诈助手 on more than one process: templates and the local cluster launcher."""
