-- project_existing_reviews: the public projection of every review written before public_reviews existed (the
-- triggers keep it from then on).
select private.project_reviews(array(select r.id from public.reviews r));
