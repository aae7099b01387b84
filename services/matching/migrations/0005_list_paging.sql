-- Lists page by key (mentoring/runtime/paging.h): each paged list reads its next page
-- straight from an index in its order, however large the programme grows.
CREATE INDEX enrollments_page_idx ON enrollments (programme_id, role, person_id);
CREATE INDEX relationships_programme_page_idx ON relationships (programme_id, created_at, relationship_id);
