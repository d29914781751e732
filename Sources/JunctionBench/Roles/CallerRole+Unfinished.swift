extension CallerRole: UnfinishedRecording {}
