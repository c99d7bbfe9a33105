//! Dataset formats: one module per format, each an importer and an exporter.
