-- The import applies staged rows in file order, a batch at a time: without this index
-- every batch sorted the whole staging table (quadratic in the file size).
CREATE INDEX import_rows_by_line ON import_rows (import_id, line);
