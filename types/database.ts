
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
                },"profiles": {
                  Row: {
                    "avatar_url": string | null,"bio": string,"created_at": string,"display_name": string,"id": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "avatar_url"?: string | null,"bio"?: string,"created_at"?: string,"display_name": string,"id": string,"updated_at"?: string
                  }
                  Update: {
                    "avatar_url"?: string | null,"bio"?: string,"created_at"?: string,"display_name"?: string,"id"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"properties": {
                  Row: {
                    "address_line": string,"bathrooms": number,"bedrooms": number,"beds": number,"cancellation_policy": Database["public"]['Enums']["cancellation_policy"],"check_in_time": string,"check_out_time": string,"city": string,"cleaning_fee_cents": number,"country_code": string,"created_at": string,"currency": string,"description": string,"host_id": string,"id": string,"instant_book": boolean,"latitude": number,"longitude": number,"max_guests": number,"max_nights": number,"min_nights": number,"monthly_discount_pct": number,"nightly_price_cents": number,"postal_code": string,"property_type": Database["public"]['Enums']["property_type"],"rating_avg": number | null,"rating_count": number,"region": string,"status": Database["public"]['Enums']["listing_status"],"time_zone": string,"title": string,"updated_at": string,"weekly_discount_pct": number
                  }
                  ComputedFields: never
                  Insert: {
                    "address_line"?: string,"bathrooms"?: number,"bedrooms"?: number,"beds"?: number,"cancellation_policy"?: Database["public"]['Enums']["cancellation_policy"],"check_in_time"?: string,"check_out_time"?: string,"city": string,"cleaning_fee_cents"?: number,"country_code": string,"created_at"?: string,"currency": string,"description"?: string,"host_id"?: string,"id"?: string,"instant_book"?: boolean,"latitude": number,"longitude": number,"max_guests"?: number,"max_nights"?: number,"min_nights"?: number,"monthly_discount_pct"?: number,"nightly_price_cents": number,"postal_code"?: string,"property_type"?: Database["public"]['Enums']["property_type"],"rating_avg"?: number | null,"rating_count"?: number,"region"?: string,"status"?: Database["public"]['Enums']["listing_status"],"time_zone": string,"title": string,"updated_at"?: string,"weekly_discount_pct"?: number
                  }
                  Update: {
                    "address_line"?: string,"bathrooms"?: number,"bedrooms"?: number,"beds"?: number,"cancellation_policy"?: Database["public"]['Enums']["cancellation_policy"],"check_in_time"?: string,"check_out_time"?: string,"city"?: string,"cleaning_fee_cents"?: number,"country_code"?: string,"created_at"?: string,"currency"?: string,"description"?: string,"host_id"?: string,"id"?: string,"instant_book"?: boolean,"latitude"?: number,"longitude"?: number,"max_guests"?: number,"max_nights"?: number,"min_nights"?: number,"monthly_discount_pct"?: number,"nightly_price_cents"?: number,"postal_code"?: string,"property_type"?: Database["public"]['Enums']["property_type"],"rating_avg"?: number | null,"rating_count"?: number,"region"?: string,"status"?: Database["public"]['Enums']["listing_status"],"time_zone"?: string,"title"?: string,"updated_at"?: string,"weekly_discount_pct"?: number
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
            [_ in never]: never
          }
          Functions: {
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
      } }
          }
          Enums: {
            "cancellation_policy": "flexible"|"moderate"|"strict","listing_status": "draft"|"published"|"archived","property_type": "apartment"|"house"|"cabin"|"room"|"villa"|"loft"|"cottage"|"other"
          }
          CompositeTypes: {
            "stay_quote": {
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
            "cancellation_policy": ["flexible", "moderate", "strict"],"listing_status": ["draft", "published", "archived"],"property_type": ["apartment", "house", "cabin", "room", "villa", "loft", "cottage", "other"]
          }
        }
} as const
