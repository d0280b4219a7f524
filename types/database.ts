
export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[]

export type Database = {
  
  "public": {
          Tables: {
            "amenities": {
                  Row: {
                    "category": string,"code": string,"label": string
                  }
                  ComputedFields: never
                  Insert: {
                    "category": string,"code": string,"label": string
                  }
                  Update: {
                    "category"?: string,"code"?: string,"label"?: string
                  }
                  Relationships: [
                    
                  ]
                },"availability_blocks": {
                  Row: {
                    "created_at": string,"end_date": string,"id": string,"note": string,"property_id": string,"start_date": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"end_date": string,"id"?: string,"note"?: string,"property_id": string,"start_date": string
                  }
                  Update: {
                    "created_at"?: string,"end_date"?: string,"id"?: string,"note"?: string,"property_id"?: string,"start_date"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "availability_blocks_property_id_fkey"
      columns: ["property_id"]
isOneToOne: false
      referencedRelation: "properties"
      referencedColumns: ["id"]
    }
                  ]
                },"bookings": {
                  Row: {
                    "accommodation_cents": number,"cancel_reason": string | null,"cancellation_policy": Database["public"]['Enums']["cancellation_policy"],"cancelled_at": string | null,"cancelled_by": string | null,"check_in": string,"check_in_at": string,"check_out": string,"check_out_at": string,"cleaning_fee_cents": number,"confirmed_at": string | null,"created_at": string,"currency": string,"discount_cents": number,"expires_at": string | null,"guest_id": string | null,"guests": number,"host_fee_cents": number,"host_id": string | null,"host_payout_cents": number,"id": string,"message": string | null,"nightly": NonNullable<Json>,"property_id": string,"refund_cents": number | null,"service_fee_cents": number,"status": Database["public"]['Enums']["booking_status"],"time_zone": string,"total_cents": number,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "accommodation_cents": number,"cancel_reason"?: string | null,"cancellation_policy": Database["public"]['Enums']["cancellation_policy"],"cancelled_at"?: string | null,"cancelled_by"?: string | null,"check_in": string,"check_in_at": string,"check_out": string,"check_out_at": string,"cleaning_fee_cents": number,"confirmed_at"?: string | null,"created_at"?: string,"currency": string,"discount_cents": number,"expires_at"?: string | null,"guest_id"?: string | null,"guests": number,"host_fee_cents": number,"host_id"?: string | null,"host_payout_cents": number,"id"?: string,"message"?: string | null,"nightly": NonNullable<Json>,"property_id": string,"refund_cents"?: number | null,"service_fee_cents": number,"status": Database["public"]['Enums']["booking_status"],"time_zone": string,"total_cents": number,"updated_at"?: string
                  }
                  Update: {
                    "accommodation_cents"?: number,"cancel_reason"?: string | null,"cancellation_policy"?: Database["public"]['Enums']["cancellation_policy"],"cancelled_at"?: string | null,"cancelled_by"?: string | null,"check_in"?: string,"check_in_at"?: string,"check_out"?: string,"check_out_at"?: string,"cleaning_fee_cents"?: number,"confirmed_at"?: string | null,"created_at"?: string,"currency"?: string,"discount_cents"?: number,"expires_at"?: string | null,"guest_id"?: string | null,"guests"?: number,"host_fee_cents"?: number,"host_id"?: string | null,"host_payout_cents"?: number,"id"?: string,"message"?: string | null,"nightly"?: NonNullable<Json>,"property_id"?: string,"refund_cents"?: number | null,"service_fee_cents"?: number,"status"?: Database["public"]['Enums']["booking_status"],"time_zone"?: string,"total_cents"?: number,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "bookings_cancelled_by_fkey"
      columns: ["cancelled_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "bookings_currency_fkey"
      columns: ["currency"]
isOneToOne: false
      referencedRelation: "currencies"
      referencedColumns: ["code"]
    },{
      foreignKeyName: "bookings_guest_id_fkey"
      columns: ["guest_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "bookings_host_id_fkey"
      columns: ["host_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "bookings_property_id_fkey"
      columns: ["property_id"]
isOneToOne: false
      referencedRelation: "properties"
      referencedColumns: ["id"]
    }
                  ]
                },"calendar_conflicts": {
                  Row: {
                    "booking_id": string,"detected_at": string,"event_recurrence_id": string,"event_uid": string,"external_calendar_id": string,"id": string,"nights": unknown,"property_id": string,"resolved_at": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "booking_id": string,"detected_at"?: string,"event_recurrence_id"?: string,"event_uid": string,"external_calendar_id": string,"id"?: string,"nights": unknown,"property_id": string,"resolved_at"?: string | null
                  }
                  Update: {
                    "booking_id"?: string,"detected_at"?: string,"event_recurrence_id"?: string,"event_uid"?: string,"external_calendar_id"?: string,"id"?: string,"nights"?: unknown,"property_id"?: string,"resolved_at"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "calendar_conflicts_booking_id_fkey"
      columns: ["booking_id"]
isOneToOne: false
      referencedRelation: "bookings"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "calendar_conflicts_external_calendar_id_fkey"
      columns: ["external_calendar_id"]
isOneToOne: false
      referencedRelation: "external_calendars"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "calendar_conflicts_property_id_fkey"
      columns: ["property_id"]
isOneToOne: false
      referencedRelation: "properties"
      referencedColumns: ["id"]
    }
                  ]
                },"conversations": {
                  Row: {
                    "booking_id": string | null,"created_at": string,"guest_id": string | null,"guest_last_read_at": string | null,"guest_unread_count": number,"host_id": string | null,"host_last_read_at": string | null,"host_unread_count": number,"id": string,"last_message_at": string,"last_message_body": string | null,"last_message_sender_id": string | null,"property_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "booking_id"?: string | null,"created_at"?: string,"guest_id"?: string | null,"guest_last_read_at"?: string | null,"guest_unread_count"?: number,"host_id"?: string | null,"host_last_read_at"?: string | null,"host_unread_count"?: number,"id"?: string,"last_message_at"?: string,"last_message_body"?: string | null,"last_message_sender_id"?: string | null,"property_id": string
                  }
                  Update: {
                    "booking_id"?: string | null,"created_at"?: string,"guest_id"?: string | null,"guest_last_read_at"?: string | null,"guest_unread_count"?: number,"host_id"?: string | null,"host_last_read_at"?: string | null,"host_unread_count"?: number,"id"?: string,"last_message_at"?: string,"last_message_body"?: string | null,"last_message_sender_id"?: string | null,"property_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "conversations_booking_id_fkey"
      columns: ["booking_id"]
isOneToOne: false
      referencedRelation: "bookings"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "conversations_guest_id_fkey"
      columns: ["guest_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "conversations_host_id_fkey"
      columns: ["host_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "conversations_property_id_fkey"
      columns: ["property_id"]
isOneToOne: false
      referencedRelation: "properties"
      referencedColumns: ["id"]
    }
                  ]
                },"currencies": {
                  Row: {
                    "code": string,"minor_units": number,"name": string
                  }
                  ComputedFields: never
                  Insert: {
                    "code": string,"minor_units": number,"name": string
                  }
                  Update: {
                    "code"?: string,"minor_units"?: number,"name"?: string
                  }
                  Relationships: [
                    
                  ]
                },"external_calendars": {
                  Row: {
                    "created_at": string,"event_count": number,"id": string,"last_attempted_at": string | null,"last_error": string | null,"last_synced_at": string | null,"name": string,"property_id": string,"url": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"event_count"?: number,"id"?: string,"last_attempted_at"?: string | null,"last_error"?: string | null,"last_synced_at"?: string | null,"name": string,"property_id": string,"url": string
                  }
                  Update: {
                    "created_at"?: string,"event_count"?: number,"id"?: string,"last_attempted_at"?: string | null,"last_error"?: string | null,"last_synced_at"?: string | null,"name"?: string,"property_id"?: string,"url"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "external_calendars_property_id_fkey"
      columns: ["property_id"]
isOneToOne: false
      referencedRelation: "properties"
      referencedColumns: ["id"]
    }
                  ]
                },"messages": {
                  Row: {
                    "body": string | null,"conversation_id": string,"created_at": string,"id": number,"masked": boolean,"sender_id": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "body"?: string | null,"conversation_id": string,"created_at"?: string,"id"?: never,"masked"?: boolean,"sender_id"?: string | null
                  }
                  Update: {
                    "body"?: string | null,"conversation_id"?: string,"created_at"?: string,"id"?: never,"masked"?: boolean,"sender_id"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "messages_conversation_id_fkey"
      columns: ["conversation_id"]
isOneToOne: false
      referencedRelation: "conversations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "messages_conversation_id_fkey"
      columns: ["conversation_id"]
isOneToOne: false
      referencedRelation: "my_conversations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "messages_sender_id_fkey"
      columns: ["sender_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"notification_preferences": {
                  Row: {
                    "email_kinds": (Database["public"]['Enums']["notification_kind"])[],"member_id": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "email_kinds"?: (Database["public"]['Enums']["notification_kind"])[],"member_id": string,"updated_at"?: string
                  }
                  Update: {
                    "email_kinds"?: (Database["public"]['Enums']["notification_kind"])[],"member_id"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "notification_preferences_member_id_fkey"
      columns: ["member_id"]
isOneToOne: true
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"notifications": {
                  Row: {
                    "booking_id": string | null,"conversation_id": string | null,"created_at": string,"data": NonNullable<Json>,"id": number,"kind": Database["public"]['Enums']["notification_kind"],"read_at": string | null,"recipient_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "booking_id"?: string | null,"conversation_id"?: string | null,"created_at"?: string,"data"?: NonNullable<Json>,"id"?: never,"kind": Database["public"]['Enums']["notification_kind"],"read_at"?: string | null,"recipient_id": string
                  }
                  Update: {
                    "booking_id"?: string | null,"conversation_id"?: string | null,"created_at"?: string,"data"?: NonNullable<Json>,"id"?: never,"kind"?: Database["public"]['Enums']["notification_kind"],"read_at"?: string | null,"recipient_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "notifications_booking_id_fkey"
      columns: ["booking_id"]
isOneToOne: false
      referencedRelation: "bookings"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "notifications_conversation_id_fkey"
      columns: ["conversation_id"]
isOneToOne: false
      referencedRelation: "conversations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "notifications_conversation_id_fkey"
      columns: ["conversation_id"]
isOneToOne: false
      referencedRelation: "my_conversations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "notifications_recipient_id_fkey"
      columns: ["recipient_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"profiles": {
                  Row: {
                    "avatar_url": string | null,"bio": string,"created_at": string,"display_name": string,"guest_rating_avg": number | null,"guest_rating_count": number,"guest_rating_sum": number,"host_rating_avg": number | null,"host_rating_count": number,"host_rating_sum": number,"id": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "avatar_url"?: string | null,"bio"?: string,"created_at"?: string,"display_name": string,"guest_rating_avg"?: number | null,"guest_rating_count"?: number,"guest_rating_sum"?: number,"host_rating_avg"?: number | null,"host_rating_count"?: number,"host_rating_sum"?: number,"id": string,"updated_at"?: string
                  }
                  Update: {
                    "avatar_url"?: string | null,"bio"?: string,"created_at"?: string,"display_name"?: string,"guest_rating_avg"?: number | null,"guest_rating_count"?: number,"guest_rating_sum"?: number,"host_rating_avg"?: number | null,"host_rating_count"?: number,"host_rating_sum"?: number,"id"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"properties": {
                  Row: {
                    "accuracy_avg": number | null,"accuracy_sum": number,"amenity_codes": (string)[],"bathrooms": number,"bedrooms": number,"beds": number,"booking_window_days": number,"cancellation_policy": Database["public"]['Enums']["cancellation_policy"],"check_in_avg": number | null,"check_in_sum": number,"check_in_time": string,"check_out_time": string,"city": string,"cleaning_fee_cents": number,"cleanliness_avg": number | null,"cleanliness_sum": number,"communication_avg": number | null,"communication_sum": number,"country_code": string,"cover_photo": string | null,"created_at": string,"currency": string,"description": string,"host_id": string | null,"id": string,"instant_book": boolean,"latitude": number | null,"location_avg": number | null,"location_sum": number,"longitude": number | null,"max_guests": number,"max_nights": number,"min_nights": number,"moderation_reason": string | null,"monthly_discount_pct": number,"nightly_price_cents": number,"property_type": Database["public"]['Enums']["property_type"],"rating_avg": number | null,"rating_count": number,"rating_sum": number,"region": string,"search_document": unknown,"status": Database["public"]['Enums']["listing_status"],"time_zone": string,"title": string,"updated_at": string,"value_avg": number | null,"value_sum": number,"weekly_discount_pct": number
                  }
                  ComputedFields: never
                  Insert: {
                    "accuracy_avg"?: number | null,"accuracy_sum"?: number,"amenity_codes"?: (string)[],"bathrooms"?: number,"bedrooms"?: number,"beds"?: number,"booking_window_days"?: number,"cancellation_policy"?: Database["public"]['Enums']["cancellation_policy"],"check_in_avg"?: number | null,"check_in_sum"?: number,"check_in_time"?: string,"check_out_time"?: string,"city": string,"cleaning_fee_cents"?: number,"cleanliness_avg"?: number | null,"cleanliness_sum"?: number,"communication_avg"?: number | null,"communication_sum"?: number,"country_code": string,"cover_photo"?: string | null,"created_at"?: string,"currency": string,"description"?: string,"host_id"?: string | null,"id"?: string,"instant_book"?: boolean,"latitude"?: number | null,"location_avg"?: number | null,"location_sum"?: number,"longitude"?: number | null,"max_guests"?: number,"max_nights"?: number,"min_nights"?: number,"moderation_reason"?: string | null,"monthly_discount_pct"?: number,"nightly_price_cents": number,"property_type"?: Database["public"]['Enums']["property_type"],"rating_avg"?: number | null,"rating_count"?: number,"rating_sum"?: number,"region"?: string,"search_document"?: never,"status"?: Database["public"]['Enums']["listing_status"],"time_zone": string,"title": string,"updated_at"?: string,"value_avg"?: number | null,"value_sum"?: number,"weekly_discount_pct"?: number
                  }
                  Update: {
                    "accuracy_avg"?: number | null,"accuracy_sum"?: number,"amenity_codes"?: (string)[],"bathrooms"?: number,"bedrooms"?: number,"beds"?: number,"booking_window_days"?: number,"cancellation_policy"?: Database["public"]['Enums']["cancellation_policy"],"check_in_avg"?: number | null,"check_in_sum"?: number,"check_in_time"?: string,"check_out_time"?: string,"city"?: string,"cleaning_fee_cents"?: number,"cleanliness_avg"?: number | null,"cleanliness_sum"?: number,"communication_avg"?: number | null,"communication_sum"?: number,"country_code"?: string,"cover_photo"?: string | null,"created_at"?: string,"currency"?: string,"description"?: string,"host_id"?: string | null,"id"?: string,"instant_book"?: boolean,"latitude"?: number | null,"location_avg"?: number | null,"location_sum"?: number,"longitude"?: number | null,"max_guests"?: number,"max_nights"?: number,"min_nights"?: number,"moderation_reason"?: string | null,"monthly_discount_pct"?: number,"nightly_price_cents"?: number,"property_type"?: Database["public"]['Enums']["property_type"],"rating_avg"?: number | null,"rating_count"?: number,"rating_sum"?: number,"region"?: string,"search_document"?: never,"status"?: Database["public"]['Enums']["listing_status"],"time_zone"?: string,"title"?: string,"updated_at"?: string,"value_avg"?: number | null,"value_sum"?: number,"weekly_discount_pct"?: number
                  }
                  Relationships: [
                    {
      foreignKeyName: "currency_is_iso_4217"
      columns: ["currency"]
isOneToOne: false
      referencedRelation: "currencies"
      referencedColumns: ["code"]
    },{
      foreignKeyName: "properties_host_id_fkey"
      columns: ["host_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"property_amenities": {
                  Row: {
                    "amenity_code": string,"property_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "amenity_code": string,"property_id": string
                  }
                  Update: {
                    "amenity_code"?: string,"property_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "property_amenities_amenity_code_fkey"
      columns: ["amenity_code"]
isOneToOne: false
      referencedRelation: "amenities"
      referencedColumns: ["code"]
    },{
      foreignKeyName: "property_amenities_property_id_fkey"
      columns: ["property_id"]
isOneToOne: false
      referencedRelation: "properties"
      referencedColumns: ["id"]
    }
                  ]
                },"property_locations": {
                  Row: {
                    "address_line": string,"latitude": number,"longitude": number,"postal_code": string,"property_id": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "address_line"?: string,"latitude": number,"longitude": number,"postal_code"?: string,"property_id": string,"updated_at"?: string
                  }
                  Update: {
                    "address_line"?: string,"latitude"?: number,"longitude"?: number,"postal_code"?: string,"property_id"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "property_locations_property_id_fkey"
      columns: ["property_id"]
isOneToOne: true
      referencedRelation: "properties"
      referencedColumns: ["id"]
    }
                  ]
                },"property_photos": {
                  Row: {
                    "caption": string,"created_at": string,"id": string,"position": number,"property_id": string,"storage_path": string
                  }
                  ComputedFields: never
                  Insert: {
                    "caption"?: string,"created_at"?: string,"id"?: string,"position"?: number,"property_id": string,"storage_path": string
                  }
                  Update: {
                    "caption"?: string,"created_at"?: string,"id"?: string,"position"?: number,"property_id"?: string,"storage_path"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "property_photos_property_id_fkey"
      columns: ["property_id"]
isOneToOne: false
      referencedRelation: "properties"
      referencedColumns: ["id"]
    }
                  ]
                },"reviews": {
                  Row: {
                    "accuracy": number | null,"author_id": string | null,"booking_id": string,"check_in": number | null,"cleanliness": number | null,"comment": string,"communication": number | null,"created_at": string,"direction": Database["public"]['Enums']["review_direction"],"id": string,"location": number | null,"property_id": string,"published_at": string | null,"rating": number,"replied_at": string | null,"reply": string | null,"subject_id": string | null,"value": number | null
                  }
                  ComputedFields: never
                  Insert: {
                    "accuracy"?: number | null,"author_id"?: string | null,"booking_id": string,"check_in"?: number | null,"cleanliness"?: number | null,"comment": string,"communication"?: number | null,"created_at"?: string,"direction": Database["public"]['Enums']["review_direction"],"id"?: string,"location"?: number | null,"property_id": string,"published_at"?: string | null,"rating": number,"replied_at"?: string | null,"reply"?: string | null,"subject_id"?: string | null,"value"?: number | null
                  }
                  Update: {
                    "accuracy"?: number | null,"author_id"?: string | null,"booking_id"?: string,"check_in"?: number | null,"cleanliness"?: number | null,"comment"?: string,"communication"?: number | null,"created_at"?: string,"direction"?: Database["public"]['Enums']["review_direction"],"id"?: string,"location"?: number | null,"property_id"?: string,"published_at"?: string | null,"rating"?: number,"replied_at"?: string | null,"reply"?: string | null,"subject_id"?: string | null,"value"?: number | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "reviews_author_id_fkey"
      columns: ["author_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "reviews_booking_id_fkey"
      columns: ["booking_id"]
isOneToOne: false
      referencedRelation: "bookings"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "reviews_property_id_fkey"
      columns: ["property_id"]
isOneToOne: false
      referencedRelation: "properties"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "reviews_subject_id_fkey"
      columns: ["subject_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"seasonal_rates": {
                  Row: {
                    "created_at": string,"end_date": string,"id": string,"label": string,"nightly_price_cents": number,"property_id": string,"start_date": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"end_date": string,"id"?: string,"label"?: string,"nightly_price_cents": number,"property_id": string,"start_date": string
                  }
                  Update: {
                    "created_at"?: string,"end_date"?: string,"id"?: string,"label"?: string,"nightly_price_cents"?: number,"property_id"?: string,"start_date"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "seasonal_rates_property_id_fkey"
      columns: ["property_id"]
isOneToOne: false
      referencedRelation: "properties"
      referencedColumns: ["id"]
    }
                  ]
                }
          }
          Views: {
            "booking_payments": {
                  Row: {
                    "amount_cents": number,"booking_id": string,"created_at": string,"currency": string,"disputed": boolean,"refunded_cents": number,"status": string | null,"succeeded_at": string | null,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                           "amount_cents"?: number | null,"booking_id"?: string | null,"created_at"?: string | null,"currency"?: string | null,"disputed"?: boolean | null,"refunded_cents"?: number | null,"status"?: never,"succeeded_at"?: string | null,"updated_at"?: string | null
                         }
                        Update: {
                           "amount_cents"?: number | null,"booking_id"?: string | null,"created_at"?: string | null,"currency"?: string | null,"disputed"?: boolean | null,"refunded_cents"?: number | null,"status"?: never,"succeeded_at"?: string | null,"updated_at"?: string | null
                         }
                        Relationships: [
                    {
      foreignKeyName: "payments_booking_id_fkey"
      columns: ["booking_id"]
isOneToOne: false
      referencedRelation: "bookings"
      referencedColumns: ["id"]
    }
                  ]
                },"conversation_messages": {
                  Row: {
                    "body": string | null,"conversation_id": string,"created_at": string,"id": number,"masked": boolean,"sender_id": string | null,"sender_name": string | null
                  }
                  ComputedFields: never
                  Relationships: [
                    {
      foreignKeyName: "messages_conversation_id_fkey"
      columns: ["conversation_id"]
isOneToOne: false
      referencedRelation: "conversations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "messages_conversation_id_fkey"
      columns: ["conversation_id"]
isOneToOne: false
      referencedRelation: "my_conversations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "messages_sender_id_fkey"
      columns: ["sender_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"my_conversations": {
                  Row: {
                    "booking_id": string | null,"booking_status": Database["public"]['Enums']["booking_status"] | null,"check_in": string | null,"check_out": string | null,"id": string,"last_message_at": string,"last_message_body": string | null,"last_message_sender_id": string | null,"listing_city": string | null,"listing_title": string | null,"my_role": string | null,"other_party_avatar_url": string | null,"other_party_id": string | null,"other_party_name": string | null,"property_id": string,"unread_count": number | null
                  }
                  ComputedFields: never
                  Relationships: [
                    {
      foreignKeyName: "conversations_booking_id_fkey"
      columns: ["booking_id"]
isOneToOne: false
      referencedRelation: "bookings"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "conversations_property_id_fkey"
      columns: ["property_id"]
isOneToOne: false
      referencedRelation: "properties"
      referencedColumns: ["id"]
    }
                  ]
                },"public_reviews": {
                  Row: {
                    "accuracy": number | null,"author_avatar_url": string | null,"author_name": string,"check_in": number | null,"cleanliness": number | null,"comment": string,"communication": number | null,"direction": Database["public"]['Enums']["review_direction"],"id": string,"location": number | null,"property_id": string,"rating": number,"reply": string | null,"stay_month": string,"value": number | null
                  }
                  ComputedFields: never
                  Insert: {
                           "accuracy"?: number | null,"author_avatar_url"?: string | null,"author_name"?: string | null,"check_in"?: number | null,"cleanliness"?: number | null,"comment"?: string | null,"communication"?: number | null,"direction"?: Database["public"]['Enums']["review_direction"] | null,"id"?: string | null,"location"?: number | null,"property_id"?: string | null,"rating"?: number | null,"reply"?: string | null,"stay_month"?: string | null,"value"?: number | null
                         }
                        Update: {
                           "accuracy"?: number | null,"author_avatar_url"?: string | null,"author_name"?: string | null,"check_in"?: number | null,"cleanliness"?: number | null,"comment"?: string | null,"communication"?: number | null,"direction"?: Database["public"]['Enums']["review_direction"] | null,"id"?: string | null,"location"?: number | null,"property_id"?: string | null,"rating"?: number | null,"reply"?: string | null,"stay_month"?: string | null,"value"?: number | null
                         }
                        Relationships: [
                    {
      foreignKeyName: "public_review_rows_id_fkey"
      columns: ["id"]
isOneToOne: true
      referencedRelation: "reviews"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "public_review_rows_property_id_fkey"
      columns: ["property_id"]
isOneToOne: false
      referencedRelation: "properties"
      referencedColumns: ["id"]
    }
                  ]
                }
          }
          Functions: {
            "cancel_booking":
{ Args: { "booking_id": string,"reason"?: string }; Returns: {
              "accommodation_cents": number,
"cancel_reason": string | null,
"cancellation_policy": Database["public"]['Enums']["cancellation_policy"],
"cancelled_at": string | null,
"cancelled_by": string | null,
"check_in": string,
"check_in_at": string,
"check_out": string,
"check_out_at": string,
"cleaning_fee_cents": number,
"confirmed_at": string | null,
"created_at": string,
"currency": string,
"discount_cents": number,
"expires_at": string | null,
"guest_id": string | null,
"guests": number,
"host_fee_cents": number,
"host_id": string | null,
"host_payout_cents": number,
"id": string,
"message": string | null,
"nightly": NonNullable<Json>,
"property_id": string,
"refund_cents": number | null,
"service_fee_cents": number,
"status": Database["public"]['Enums']["booking_status"],
"time_zone": string,
"total_cents": number,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "bookings"
        isOneToOne: true
        isSetofReturn: false
      } },
"confirm_booking_payment":
{ Args: { "amount_cents": number,"booking_id": string,"currency": string }; Returns: Database["public"]['Enums']["payment_outcome"]
                           },
"erase_member":
{ Args: { "member_id": string }; Returns: Json
                           },
"hide_review":
{ Args: { "reason": string,"review_id": string }; Returns: {
              "accuracy": number | null,
"author_id": string | null,
"booking_id": string,
"check_in": number | null,
"cleanliness": number | null,
"comment": string,
"communication": number | null,
"created_at": string,
"direction": Database["public"]['Enums']["review_direction"],
"id": string,
"location": number | null,
"property_id": string,
"published_at": string | null,
"rating": number,
"replied_at": string | null,
"reply": string | null,
"subject_id": string | null,
"value": number | null
            }
                          SetofOptions: {
        from: "*"
        to: "reviews"
        isOneToOne: true
        isSetofReturn: false
      } },
"mark_conversation_read":
{ Args: { "conversation_id": string }; Returns: {
              "booking_id": string | null,
"created_at": string,
"guest_id": string | null,
"guest_last_read_at": string | null,
"guest_unread_count": number,
"host_id": string | null,
"host_last_read_at": string | null,
"host_unread_count": number,
"id": string,
"last_message_at": string,
"last_message_body": string | null,
"last_message_sender_id": string | null,
"property_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "conversations"
        isOneToOne: true
        isSetofReturn: false
      } },
"mark_notifications_read":
{ Args: { "ids"?: (number)[] }; Returns: number
                           },
"message_original":
{ Args: { "message_id": number }; Returns: string
                           },
"property_calendar":
{ Args: { "from_date": string,"property_id": string,"to_date": string }; Returns: {
              "available": boolean,"night": string,"price_cents": number
            }[]
                           },
"quote_stay":
{ Args: { "check_in": string,"check_out": string,"guests"?: number,"property_id": string }; Returns: Database["public"]['CompositeTypes']["stay_quote"]
                          SetofOptions: {
        from: "*"
        to: "stay_quote"
        isOneToOne: true
        isSetofReturn: false
      } },
"reply_to_review":
{ Args: { "reply": string,"review_id": string }; Returns: {
              "accuracy": number | null,
"author_id": string | null,
"booking_id": string,
"check_in": number | null,
"cleanliness": number | null,
"comment": string,
"communication": number | null,
"created_at": string,
"direction": Database["public"]['Enums']["review_direction"],
"id": string,
"location": number | null,
"property_id": string,
"published_at": string | null,
"rating": number,
"replied_at": string | null,
"reply": string | null,
"subject_id": string | null,
"value": number | null
            }
                          SetofOptions: {
        from: "*"
        to: "reviews"
        isOneToOne: true
        isSetofReturn: false
      } },
"request_booking":
{ Args: { "check_in": string,"check_out": string,"guests": number,"message"?: string,"property_id": string }; Returns: {
              "accommodation_cents": number,
"cancel_reason": string | null,
"cancellation_policy": Database["public"]['Enums']["cancellation_policy"],
"cancelled_at": string | null,
"cancelled_by": string | null,
"check_in": string,
"check_in_at": string,
"check_out": string,
"check_out_at": string,
"cleaning_fee_cents": number,
"confirmed_at": string | null,
"created_at": string,
"currency": string,
"discount_cents": number,
"expires_at": string | null,
"guest_id": string | null,
"guests": number,
"host_fee_cents": number,
"host_id": string | null,
"host_payout_cents": number,
"id": string,
"message": string | null,
"nightly": NonNullable<Json>,
"property_id": string,
"refund_cents": number | null,
"service_fee_cents": number,
"status": Database["public"]['Enums']["booking_status"],
"time_zone": string,
"total_cents": number,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "bookings"
        isOneToOne: true
        isSetofReturn: false
      } },
"respond_to_booking":
{ Args: { "accept": boolean,"booking_id": string }; Returns: {
              "accommodation_cents": number,
"cancel_reason": string | null,
"cancellation_policy": Database["public"]['Enums']["cancellation_policy"],
"cancelled_at": string | null,
"cancelled_by": string | null,
"check_in": string,
"check_in_at": string,
"check_out": string,
"check_out_at": string,
"cleaning_fee_cents": number,
"confirmed_at": string | null,
"created_at": string,
"currency": string,
"discount_cents": number,
"expires_at": string | null,
"guest_id": string | null,
"guests": number,
"host_fee_cents": number,
"host_id": string | null,
"host_payout_cents": number,
"id": string,
"message": string | null,
"nightly": NonNullable<Json>,
"property_id": string,
"refund_cents": number | null,
"service_fee_cents": number,
"status": Database["public"]['Enums']["booking_status"],
"time_zone": string,
"total_cents": number,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "bookings"
        isOneToOne: true
        isSetofReturn: false
      } },
"rotate_calendar_token":
{ Args: { "property_id": string }; Returns: Database["public"]['CompositeTypes']["calendar_feed_link"]
                          SetofOptions: {
        from: "*"
        to: "calendar_feed_link"
        isOneToOne: true
        isSetofReturn: false
      } },
"search_properties":
{ Args: { "after"?: string,"amenities"?: (string)[],"check_in"?: string,"check_out"?: string,"guests"?: number,"instant_book"?: boolean,"latitude"?: number,"longitude"?: number,"max_latitude"?: number,"max_longitude"?: number,"max_price_cents"?: number,"min_latitude"?: number,"min_longitude"?: number,"min_price_cents"?: number,"page_size"?: number,"property_types"?: (Database["public"]['Enums']["property_type"])[],"query"?: string,"radius_km"?: number,"sort"?: string }; Returns: Database["public"]['CompositeTypes']["search_result"][]
                          SetofOptions: {
        from: "*"
        to: "search_result"
        isOneToOne: false
        isSetofReturn: true
      } },
"send_message":
{ Args: { "body": string,"conversation_id": string }; Returns: {
              "body": string | null,
"conversation_id": string,
"created_at": string,
"id": number,
"masked": boolean,
"sender_id": string | null
            }
                          SetofOptions: {
        from: "*"
        to: "messages"
        isOneToOne: true
        isSetofReturn: false
      } },
"start_conversation":
{ Args: { "body": string,"property_id": string }; Returns: {
              "booking_id": string | null,
"created_at": string,
"guest_id": string | null,
"guest_last_read_at": string | null,
"guest_unread_count": number,
"host_id": string | null,
"host_last_read_at": string | null,
"host_unread_count": number,
"id": string,
"last_message_at": string,
"last_message_body": string | null,
"last_message_sender_id": string | null,
"property_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "conversations"
        isOneToOne: true
        isSetofReturn: false
      } },
"submit_review":
{ Args: { "accuracy"?: number,"booking_id": string,"check_in"?: number,"cleanliness"?: number,"comment": string,"communication"?: number,"location"?: number,"rating": number,"value"?: number }; Returns: {
              "accuracy": number | null,
"author_id": string | null,
"booking_id": string,
"check_in": number | null,
"cleanliness": number | null,
"comment": string,
"communication": number | null,
"created_at": string,
"direction": Database["public"]['Enums']["review_direction"],
"id": string,
"location": number | null,
"property_id": string,
"published_at": string | null,
"rating": number,
"replied_at": string | null,
"reply": string | null,
"subject_id": string | null,
"value": number | null
            }
                          SetofOptions: {
        from: "*"
        to: "reviews"
        isOneToOne: true
        isSetofReturn: false
      } },
"unhide_review":
{ Args: { "reason"?: string,"review_id": string }; Returns: {
              "accuracy": number | null,
"author_id": string | null,
"booking_id": string,
"check_in": number | null,
"cleanliness": number | null,
"comment": string,
"communication": number | null,
"created_at": string,
"direction": Database["public"]['Enums']["review_direction"],
"id": string,
"location": number | null,
"property_id": string,
"published_at": string | null,
"rating": number,
"replied_at": string | null,
"reply": string | null,
"subject_id": string | null,
"value": number | null
            }
                          SetofOptions: {
        from: "*"
        to: "reviews"
        isOneToOne: true
        isSetofReturn: false
      } }
          }
          Enums: {
            "booking_status": "awaiting_host"|"pending_payment"|"confirmed"|"declined"|"expired"|"cancelled"|"completed","cancellation_policy": "flexible"|"moderate"|"strict","listing_status": "draft"|"published"|"archived","notification_kind": "booking_requested"|"booking_accepted"|"booking_declined"|"booking_expired"|"booking_confirmed"|"booking_cancelled"|"payment_failed"|"message_unread"|"review_window_opened"|"review_published"|"calendar_conflict","payment_outcome": "confirmed"|"already_confirmed"|"amount_mismatch"|"hold_expired"|"cancelled"|"not_found","property_type": "apartment"|"house"|"cabin"|"room"|"villa"|"loft"|"cottage"|"other","review_direction": "guest_to_host"|"host_to_guest"
          }
          CompositeTypes: {
            "calendar_feed_link": {
                        "token": string | null,"feed_url": string | null
                      },"search_result": {
                        "id": string | null,"title": string | null,"city": string | null,"country_code": string | null,"latitude": number | null,"longitude": number | null,"nightly_price_cents": number | null,"currency": string | null,"total_cents": number | null,"rating_avg": number | null,"rating_count": number | null,"cover_photo": string | null,"distance_km": number | null,"cursor": string | null
                      },"stay_quote": {
                        "bookable": boolean | null,"reason": string | null,"nights": number | null,"currency": string | null,"nightly": Json | null,"accommodation_cents": number | null,"discount_cents": number | null,"cleaning_fee_cents": number | null,"service_fee_cents": number | null,"total_cents": number | null,"host_fee_cents": number | null,"host_payout_cents": number | null
                      }
          }
        }
}

type DatabaseWithoutInternals = Omit<Database, '__InternalSupabase'>

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
  ? (DefaultSchema["Tables"] & DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
      Row: infer R
    }
    ? R
    : never
  : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
  ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Insert: infer I
    }
    ? I
    : never
  : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
  ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Update: infer U
    }
    ? U
    : never
  : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never = never
> = DefaultSchemaEnumNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
  ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
  : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never = never
> = PublicCompositeTypeNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
  ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
  : never

export const Constants = {
  "public": {
          Enums: {
            "booking_status": ["awaiting_host", "pending_payment", "confirmed", "declined", "expired", "cancelled", "completed"],"cancellation_policy": ["flexible", "moderate", "strict"],"listing_status": ["draft", "published", "archived"],"notification_kind": ["booking_requested", "booking_accepted", "booking_declined", "booking_expired", "booking_confirmed", "booking_cancelled", "payment_failed", "message_unread", "review_window_opened", "review_published", "calendar_conflict"],"payment_outcome": ["confirmed", "already_confirmed", "amount_mismatch", "hold_expired", "cancelled", "not_found"],"property_type": ["apartment", "house", "cabin", "room", "villa", "loft", "cottage", "other"],"review_direction": ["guest_to_host", "host_to_guest"]
          }
        }
} as const
